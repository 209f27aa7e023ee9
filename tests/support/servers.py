"""Run ASGI apps on real loopback ports inside the test's event loop (uvicorn, lifespan on)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _QuietServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test runner owns signals
        pass


@dataclass
class RunningServer:
    """A server started by `serve()`; `url` is its base URL."""

    app: ASGIApp
    url: str
    _server: uvicorn.Server
    _task: asyncio.Task[None]

    async def stop(self) -> None:
        self._server.should_exit = True
        await asyncio.wait_for(self._task, timeout=60)


async def serve(app: ASGIApp, startup_timeout_s: float = 120) -> RunningServer:
    """Start `app` on a free port and wait until its lifespan start-up has finished."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + startup_timeout_s
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server exited during start-up")
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("server did not start in time")
        await asyncio.sleep(0.05)
    return RunningServer(app, f"http://127.0.0.1:{port}", server, task)


async def eventually(check, timeout_s: float = 30.0, interval_s: float = 0.1):  # type: ignore[no-untyped-def]
    """Poll an async `check` until it returns a truthy value; return it, or fail with the last one."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s}s; last value: {last!r}")

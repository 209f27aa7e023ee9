"""Subscribers' endpoints for tests, on loopback.

`WebhookReceiver` is a FastAPI app that records every webhook (per path, so one server can stand
for several organisations) and can fail the first N on purpose. `ScriptedReceiver` is a raw
asyncio HTTP server whose answers follow a script, for faults an ASGI app cannot produce: a reset
connection, a hang past the sender's deadline, a redirect, 410, 429 with Retry-After.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response


@dataclass
class ReceivedWebhook:
    headers: dict[str, str]
    body: bytes
    path: str = "/hook"
    at: float = 0.0


@dataclass
class WebhookReceiver:
    fail_first: int = 0
    fail_status: int = 503
    received: list[ReceivedWebhook] = field(default_factory=list)
    attempts: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        async def record(request: Request) -> Response:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return Response(status_code=self.fail_status)
            self.received.append(
                ReceivedWebhook(
                    dict(request.headers), await request.body(), request.url.path, time.monotonic()
                )
            )
            return Response(status_code=204)

        app.add_api_route("/hook", record, methods=["POST"])
        app.add_api_route("/hook/{name}", record, methods=["POST"])
        return app

    def for_path(self, path: str) -> list[ReceivedWebhook]:
        return [hook for hook in self.received if hook.path == path]


@dataclass(frozen=True)
class Answer:
    """One scripted answer: a status with headers, or a fault (`reset`, `hang`)."""

    status: int = 204
    headers: tuple[tuple[str, str], ...] = ()
    fault: str | None = None
    body: bytes = b""


OK = Answer(204)


class ScriptedReceiver:
    """Answers the n-th request with the n-th scripted answer (then `then`), on 127.0.0.1."""

    def __init__(self, script: Iterable[Answer], then: Answer = OK) -> None:
        self._script = list(script)
        self._then = then
        self.requests: list[tuple[float, dict[str, str], bytes]] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> ScriptedReceiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            index = len(self.requests)
            self.requests.append((time.monotonic(), headers, body))
            answer = self._script[index] if index < len(self._script) else self._then
            if answer.fault == "reset":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            if answer.fault == "hang":
                await asyncio.sleep(3600)
                return
            extra = "".join(f"{k}: {v}\r\n" for k, v in answer.headers)
            writer.write(
                f"HTTP/1.1 {answer.status} X\r\ncontent-length: {len(answer.body)}\r\n{extra}"
                "connection: close\r\n\r\n".encode()
                + answer.body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

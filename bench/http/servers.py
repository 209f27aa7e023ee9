"""Servers under test, each in its own process on a free loopback port: the bare app, or the
registry as production runs it (`python -m services.registry`, i.e. `shared.web.runner.serve`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A running server; `url` is its base URL, its stderr goes to `log_path`."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def cpu_s(self) -> float | None:
        """User + system CPU seconds the server process has used so far (None: not readable)."""
        try:
            with open(f"/proc/{self.process.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _start(name: str, argv: list[str], env: Mapping[str, str], port: int, log_dir: Path) -> ServerProcess:
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
    server = ServerProcess(name, f"http://127.0.0.1:{port}", process, log_path)
    _wait_healthy(server, timeout_s=180)
    return server


def _wait_healthy(server: ServerProcess, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{server.name} exited during start-up:\n{tail}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise TimeoutError(f"{server.name} did not answer /healthz within {timeout_s:.0f}s")


def start_bare(log_dir: Path) -> ServerProcess:
    """The bare FastAPI app on uvicorn, one worker, no access log."""
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", "bench.http.apps:bare_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return _start("bare", argv, {}, port, log_dir)


def start_registry(
    label: str, database_url: str, bootstrap: str, data_dir: Path, log_dir: Path
) -> ServerProcess:
    """The registry as deployed (`python -m services.registry`), one worker, test secrets.

    The write limit per organisation is raised so the write scenario measures writes, not 429s;
    everything else (auth-failure limits, body limit, headers, logging) stays as configured.
    """
    port = free_port()
    env = {
        "ENVIRONMENT": "test",
        "BIND_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "TOPIC_PREFIX": f"bench{label}.",
        "RATE_LIMIT_WRITES": "100000000/minute",
    }
    argv = [sys.executable, "-m", "services.registry"]
    return _start(f"registry-{label}", argv, env, port, log_dir)

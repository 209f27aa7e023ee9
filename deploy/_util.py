"""Small helpers shared by the Kafka and PostgreSQL launchers."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

CACHE_ENV = "RENOVATION_CACHE"
USE_TESTCONTAINERS_ENV = "USE_TESTCONTAINERS"

_port_lock = threading.Lock()
_handed_out: set[int] = set()


def cache_dir() -> Path:
    """Where downloaded runtimes live: `$RENOVATION_CACHE` or `~/.cache/renovation-platform`."""
    configured = os.environ.get(CACHE_ENV)
    base = Path(configured) if configured else Path.home() / ".cache" / "renovation-platform"
    return base.expanduser().resolve()


def free_port(exclude: Iterable[int] = ()) -> int:
    """A TCP port on 127.0.0.1 that is free right now and not handed out by this process before."""
    excluded = set(exclude)
    with _port_lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            if port not in excluded and port not in _handed_out:
                _handed_out.add(port)
                return port
    raise RuntimeError("could not find a free TCP port on 127.0.0.1")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind host:port now (SO_REUSEADDR, like Java and PostgreSQL do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return not port_accepts(host, port, timeout=0.2)


def port_accepts(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:]) or f"(log {path} is empty)"


@functools.cache
def docker_available(timeout: float = 5.0) -> bool:
    """True when a Docker engine answers `docker info` quickly (not merely when the CLI exists)."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "info"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def use_testcontainers() -> bool:
    """`USE_TESTCONTAINERS=1` asks for containers; it is an error when no Docker engine answers."""
    if os.environ.get(USE_TESTCONTAINERS_ENV, "").strip().lower() not in {"1", "true", "yes"}:
        return False
    if not docker_available():
        raise RuntimeError(
            f"{USE_TESTCONTAINERS_ENV}=1 but no Docker engine answers `docker info`; "
            f"unset {USE_TESTCONTAINERS_ENV} to use the native launchers"
        )
    return True


def wait_for_signal(alive: Callable[[], bool] | None = None) -> int | None:
    """Block until SIGTERM or SIGINT arrives and return its number, or return None as soon as
    `alive()` turns false (the supervised server died on its own)."""
    received: list[int] = []
    event = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        received.append(signum)
        event.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not event.wait(0.5):
            if alive is not None and not alive():
                return None
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    return received[0]

"""Small helpers shared by the Kafka and PostgreSQL launchers."""

from __future__ import annotations

import atexit
import functools
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

CACHE_ENV = "RENOVATION_CACHE"
USE_TESTCONTAINERS_ENV = "USE_TESTCONTAINERS"

_port_lock = threading.Lock()
_handed_out: set[int] = set()
_reserved_files: list[Path] = []
WATCHDOG = Path(__file__).resolve().with_name("_watchdog.py")


def cache_dir() -> Path:
    """Where downloaded runtimes live: `$RENOVATION_CACHE` or `~/.cache/renovation-platform`."""
    configured = os.environ.get(CACHE_ENV)
    base = Path(configured) if configured else Path.home() / ".cache" / "renovation-platform"
    return base.expanduser().resolve()


def free_port(exclude: Iterable[int] = ()) -> int:
    """A TCP port on 127.0.0.1 that is free now and reserved for this process across processes.

    Ports come from below the kernel's ephemeral range, so outgoing connections (which take
    ephemeral ports) cannot grab one between this call and the server's bind; a reservation file
    per port (`O_EXCL`, naming our pid) keeps parallel test runs from picking the same port. A
    reservation whose owner is dead is taken over; ours are removed at exit.
    """
    excluded = set(exclude)
    low, high = _reservable_range()
    with _port_lock:
        for _ in range(500):
            port = random.randint(low, high)
            if port in excluded or port in _handed_out or not port_is_free(port):
                continue
            if _reserve(port):
                _handed_out.add(port)
                return port
    raise RuntimeError("could not find a free TCP port on 127.0.0.1")


def _reservable_range() -> tuple[int, int]:
    """Ports below the ephemeral range (`ip_local_port_range`, usually 32768-60999)."""
    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    return 20000, max(20000 + 1000, ephemeral_low - 1)


def _reservations_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "renovation-ports"
    path.mkdir(mode=0o1777, exist_ok=True)
    return path


def _reserve(port: int) -> bool:
    path = _reservations_dir() / str(port)
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if pid_alive(_read_pid(path)):
                return False
            path.unlink(missing_ok=True)  # the owner died: take it over
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()}\n")
        _reserved_files.append(path)
        return True
    return False


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@atexit.register
def _release_reservations() -> None:
    for path in _reserved_files:
        if _read_pid(path) == os.getpid():
            path.unlink(missing_ok=True)


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this pid exists (a zombie counts as gone)."""
    if not pid or pid <= 0:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def process_mentions(pid: int | None, needle: str) -> bool:
    """Whether a live process `pid` has `needle` in its command line: a pid read from a file is
    only signalled when it is still the process we started (pids are reused)."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return needle in cmdline


def watchdog_command(*command: str, on_exit: list[str] | None = None) -> list[str]:
    """The command line that runs `command` under deploy/_watchdog.py (see its docstring)."""
    cmd = [sys.executable, str(WATCHDOG)]
    if on_exit:
        cmd += ["--on-exit", shlex.join(on_exit)]
    if command:
        cmd += ["--", *command]
    return cmd


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

"""One active outbox relay per SQLite database file, as the advisory lock gives on PostgreSQL.

Why: the relay keeps its leases in memory (`shared.bus.relay`), so two relays on one database
would both send every row. On PostgreSQL a session advisory lock makes one replica active; a
local stack on SQLite can still run several worker processes (`WEB_WORKERS`), and each starts a
relay. An exclusive `flock` on a file beside the database does the same job there: the kernel
releases it when the holder closes the file or dies.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["relay_lock_file", "try_lock"]


def relay_lock_file(engine: AsyncEngine | None) -> Path | None:
    """The lock file of a SQLite database file's relay.

    Args:
        engine: the service's engine, or None.

    Returns:
        ``<database file>.relay-lock``; None for another dialect or an in-memory database (one
        process has it alone).
    """
    if engine is None or engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{database}.relay-lock")


def try_lock(path: Path) -> int | None:
    """Take the exclusive lock on `path` if no other process holds it.

    Args:
        path: the lock file (created if missing).

    Returns:
        The open file descriptor that holds the lock (closing it releases the lock), or None
        while another process holds it.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd

"""Database engines, sessions and migrations. Nothing here opens a connection at import time.

Why one module: every service runs on SQLite locally and PostgreSQL in tests and production; the
driver choice, SQLite's locking and pool defaults are decided here once, so services only pass a URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, event, make_url, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import sqlite_inline
from shared.db.wal_checkpoints import WalCheckpoints
from shared.db.write_turns import WriteTurns

log = logging.getLogger(__name__)

__all__ = [
    "READ_ONLY_OPTION",
    "SQLITE_BUSY_TIMEOUT_S",
    "SQLITE_CACHE_KIB",
    "async_url",
    "create_engine",
    "create_read_engine",
    "create_read_sessions",
    "create_sessions",
    "dispose_engine",
    "dispose_read_engine",
    "ping",
    "read_url",
    "run_migrations",
    "sync_url",
    "wal_checkpoints",
]

SQLITE_BUSY_TIMEOUT_S = 30.0
"""How long a SQLite writer waits for the write lock (SQLite's busy timeout, and the in-process
turn of the inline driver) before failing with "database is locked"."""

_CHECKPOINTS: WeakKeyDictionary[Any, WalCheckpoints] = WeakKeyDictionary()
"""Each SQLite file engine's `WalCheckpoints` (`wal_checkpoints`), by its synchronous engine."""

READ_ONLY_OPTION = "renovation_read_only"
"""Execution option of the read engine: on SQLite its transactions skip ``BEGIN IMMEDIATE``."""

SQLITE_CACHE_KIB = 32 * 1024
"""Each SQLite connection's page cache, at most (SQLite's default is 2 MiB). A bulk insert into
a table with several indexes touches index pages all over the file: with 2 MiB they were read
back from the OS again and again, and a 20,000-row ledger import spent a quarter more time in
its inserts (bench/README.md, "Ledger import, third pass"). The cache grows only as pages are
used, so a connection that never writes much never holds it."""

POOL_SIZE = 20
READ_POOL_SIZE = 20
"""PostgreSQL connections an engine keeps (the command engine, the read engine), and no overflow
beyond them (settings `db_pool_size`, `db_read_pool_size`). Why no overflow: SQLAlchemy closes an
overflow connection as soon as it is checked in, so a worker whose concurrency hovered above its
pool size opened and closed a connection (a server process fork, authentication, and asyncpg's
type set-up) for a large share of its requests. With wrk's 16 connections against one worker, the
pools of 10 + 10 overflow (commands) and 5 + 5 (reads) did that: a primary-key read went from
0.81 to 0.63 ms of CPU and its p95 from 41 to 14 ms once the read pool kept 20, a write from 4.1
to 3.1 ms once the command pool did (bench/README.md, "HTTP path", eighth pass). A request
beyond the pool waits for a connection (SQLAlchemy's 30 s pool timeout) instead. Size
PostgreSQL's ``max_connections`` for every worker's two pools (docs/operations.md)."""


def async_url(url: str) -> str:
    """Normalise a database URL to its async driver (psycopg 3, or SQLite inline).

    Args:
        url: ``postgresql://``, ``postgres://`` or ``sqlite://`` URL, or one that already names
            a driver (``sqlite+aiosqlite://`` keeps aiosqlite's thread per connection).

    Returns:
        The URL with ``postgresql+psycopg://`` or ``sqlite+inline://`` (`shared.db.sqlite_inline`);
        any other URL as is.
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return f"sqlite+{sqlite_inline.DRIVER}://" + url.split("://", 1)[1]
    return url


def sync_url(url: str) -> str:
    """The same database for synchronous tools (Alembic); psycopg 3 serves both modes.

    Args:
        url: a database URL in any form `async_url` accepts.

    Returns:
        ``postgresql+psycopg://...`` for PostgreSQL, plain ``sqlite://...`` for SQLite.
    """
    url = async_url(url)
    for driver in (sqlite_inline.DRIVER, "aiosqlite"):
        url = url.replace(f"sqlite+{driver}://", "sqlite://", 1)
    return url


def create_engine(url: str, *, pool_size: int | None = None, **kwargs: Any) -> AsyncEngine:
    """Create the service's async engine; connects lazily.

    SQLite gets WAL, foreign keys, a page cache of `SQLITE_CACHE_KIB`, a 30 s busy timeout
    (``connect_args={"timeout": ..}`` sets another) and ``BEGIN IMMEDIATE`` (its write lock taken
    at the start of each transaction, standing in for ``SELECT .. FOR UPDATE``); the folder of a
    file database is created. Its driver runs `sqlite3` on the event loop
    (`shared.db.sqlite_inline`), the process's writers take turns (`shared.db.write_turns`), and
    a file's WAL checkpoints run on a worker thread instead of inside a commit
    (`shared.db.wal_checkpoints`). PostgreSQL gets a pool of `POOL_SIZE` with no overflow,
    whose connections are recycled after 30 minutes; there is no pre-ping (a round trip on
    every checkout): a read that meets a dropped connection is retried once by the web layer.

    Args:
        url: the database URL (normalised with `async_url`).
        pool_size: connections the pool keeps; None: `POOL_SIZE` on PostgreSQL, SQLAlchemy's
            default on SQLite.
        **kwargs: passed to SQLAlchemy's ``create_async_engine``; they override the pool
            defaults above.

    Returns:
        The engine; dispose of it on shutdown.
    """
    url = async_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        if pool_size is not None:
            kwargs["pool_size"] = pool_size
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs.pop("connect_args", {})}
        checkpoints = _wal_checkpoints(url)
        if checkpoints is not None:
            connect_args["after_commit"] = checkpoints.after_commit
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        if checkpoints is not None:
            _CHECKPOINTS[engine.sync_engine] = checkpoints
        pragmas = _sqlite_pragmas if checkpoints is None else _sqlite_pragmas_own_checkpoints
        event.listen(engine.sync_engine, "connect", pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        if engine.dialect.driver == sqlite_inline.DRIVER:
            WriteTurns.install(engine.sync_engine, _sqlite_file(url), timeout_s=connect_args["timeout"])
        return engine
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, pool_size=POOL_SIZE if pool_size is None else pool_size, **kwargs)


def create_read_engine(engine: AsyncEngine, *, pool_size: int = READ_POOL_SIZE, **kwargs: Any) -> AsyncEngine:
    """The engine GET requests read through: its connections never begin a transaction.

    PostgreSQL: a second engine on the same database with a small pool of its own, whose
    connections are in autocommit from the moment they connect. Under READ COMMITTED a statement
    in autocommit sees its own snapshot, as it would in a transaction of its own, so a
    primary-key read is one round trip: no BEGIN, no COMMIT, no ROLLBACK when the connection goes
    back. Its driver is asyncpg (`read_url`), not the command engine's psycopg: a read is all
    driver work (send, wait, decode a row), and asyncpg's protocol is compiled and keeps each
    statement prepared on its connection; psycopg built a column description object per column
    of every result. An authenticated primary-key read cost a third less CPU (bench/README.md,
    "HTTP path", eighth pass). Why its own pool: reads used to borrow the command pool's
    connections and switch each to autocommit on checkout and back on checkin, two driver calls
    per request. SQLite: the same pool, marked `READ_ONLY_OPTION`, so a read skips ``BEGIN
    IMMEDIATE`` and never waits for, or holds, the write lock (SQLite's driver runs in
    autocommit already: each SELECT reads its own WAL snapshot).

    Args:
        engine: the service's engine (from `create_engine`).
        pool_size: PostgreSQL's read connections kept (`READ_POOL_SIZE`); SQLite ignores it.
        **kwargs: for PostgreSQL, passed to ``create_async_engine``; they override the pool
            defaults (no overflow, recycled after 30 minutes).

    Returns:
        The read engine. Dispose of it with `dispose_read_engine` (it shares SQLite's pool).
    """
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{READ_ONLY_OPTION: True})
    kwargs.setdefault("max_overflow", 0)
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(
        read_url(engine.url),
        pool_size=pool_size,
        isolation_level="AUTOCOMMIT",
        execution_options={READ_ONLY_OPTION: True},
        **kwargs,
    )


def read_url(url: URL) -> URL:
    """The PostgreSQL read engine's URL: the same database through asyncpg.

    libpq's ``sslmode`` is passed as asyncpg's ``ssl`` (it takes the same values). A URL with
    any other query parameter (libpq options asyncpg does not know, such as ``options`` or
    ``connect_timeout``) keeps its own driver: reads cost more, but connect as configured.

    Args:
        url: the service's PostgreSQL URL (``postgresql+psycopg://..``).

    Returns:
        ``postgresql+asyncpg://..``, or `url` as it is.
    """
    query = dict(url.query)
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    if set(query) - {"ssl"}:
        return url
    return url.set(drivername="postgresql+asyncpg", query=query)


async def dispose_read_engine(read_engine: AsyncEngine, engine: AsyncEngine) -> None:
    """Close the read engine's pool, unless it is `engine`'s (SQLite), which `engine` closes.

    Args:
        read_engine: from `create_read_engine(engine)`.
        engine: the service's engine.
    """
    if read_engine.sync_engine.pool is not engine.sync_engine.pool:
        await read_engine.dispose()


async def dispose_engine(engine: AsyncEngine) -> None:
    """Close the engine's pool and, on SQLite, its checkpointing connection, last: the last
    connection to a file checkpoints what is left of the log and removes it, as SQLite does.

    Args:
        engine: the service's engine (from `create_engine`).
    """
    await engine.dispose()
    checkpoints = wal_checkpoints(engine)
    if checkpoints is not None:
        await asyncio.to_thread(checkpoints.close)  # waits, off the loop, for a checkpoint under way


def create_read_sessions(read_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """A session factory for reads (GET) that need the ORM: one round trip per SELECT, nothing
    begun or committed on the server.

    Args:
        read_engine: the service's read engine (from `create_read_engine`).

    Returns:
        A factory of `AsyncSession` like `create_sessions`', on the read engine.
    """
    return create_sessions(read_engine)


def create_sessions(engine: AsyncEngine, **info: Any) -> async_sessionmaker[AsyncSession]:
    """A session factory for the unit of work and the relay.

    Args:
        engine: the service's engine.
        **info: copied into every session's ``info`` dict.

    Returns:
        A factory of `AsyncSession` that keeps objects loaded after commit
        (``expire_on_commit=False``), so a route can return what it just stored.
    """
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info)


async def ping(engine: AsyncEngine) -> None:
    """Check the database answers a trivial query (readiness probes).

    Args:
        engine: the engine to probe.

    Raises:
        sqlalchemy.exc.DBAPIError: the database is unreachable or refused the query.
    """
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"alembic-upgrade").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock that serialises migrations on one database (a signed int64)."""


def run_migrations(migrations_dir: Path, database_url: str, *, lock_timeout_s: float = 600.0) -> None:
    """Upgrade the service's database to the newest Alembic revision (blocking; run in a thread).

    On PostgreSQL the upgrade runs under an advisory lock, so replicas starting together (or a
    migration Job racing a replica) take turns: the first upgrades, the others wait and then find
    nothing to do. SQLite serialises writers itself.

    Args:
        migrations_dir: the service's Alembic folder (holding ``env.py`` and ``versions/``).
        database_url: the database to upgrade, in any form `sync_url` accepts.
        lock_timeout_s: how long to wait for another process's migrations (PostgreSQL only).

    Raises:
        TimeoutError: another process held the migration lock for longer than `lock_timeout_s`.
        alembic.util.CommandError: the revisions are inconsistent (e.g. two heads).
        sqlalchemy.exc.DBAPIError: the database is unreachable or a migration failed.
    """
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    url = sync_url(database_url)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if not url.startswith("postgresql"):
        command.upgrade(config, "head")
        return
    with _advisory_lock(url, MIGRATION_LOCK_KEY, lock_timeout_s):
        command.upgrade(config, "head")


@contextlib.contextmanager
def _advisory_lock(url: str, key: int, timeout_s: float) -> Iterator[None]:
    """Hold a session advisory lock on its own connection; released on exit or if we die."""
    engine = create_sync_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            deadline = time.monotonic() + timeout_s
            waited = False
            while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another process held the migration lock for over {timeout_s:.0f}s")
                if not waited:
                    log.info("waiting for another replica's migrations to finish")
                    waited = True
                time.sleep(0.2)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        engine.dispose()


def _sqlite_file(url: str) -> str:
    return url.split(":///", 1)[-1].split("?", 1)[0]


def _ensure_sqlite_dir(url: str) -> None:
    path = _sqlite_file(url)
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def wal_checkpoints(engine: AsyncEngine) -> WalCheckpoints | None:
    """The WAL checkpoints `create_engine` gave `engine`.

    Args:
        engine: an engine from `create_engine`.

    Returns:
        Its `WalCheckpoints`, or None where SQLite checkpoints inside commits as usual
        (``:memory:``, aiosqlite) or there is no WAL (PostgreSQL).
    """
    return _CHECKPOINTS.get(engine.sync_engine)


def _wal_checkpoints(url: str) -> WalCheckpoints | None:
    """The checkpoints of an inline-driver file database (`shared.db.wal_checkpoints`); None for
    ``:memory:`` and for aiosqlite, whose commits already run on a thread of their own."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_driver_name() != sqlite_inline.DRIVER or not path or path == ":memory:":
        return None
    return WalCheckpoints(path)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is switched off; `_sqlite_begin_immediate` begins instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _sqlite_pragmas_own_checkpoints(dbapi_connection: Any, record: Any) -> None:
    """`_sqlite_pragmas`, and no checkpoint inside a commit: `WalCheckpoints` runs them."""
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at BEGIN, so two commands on one row queue instead of both reading
    the old state (SQLite has no SELECT .. FOR UPDATE; this is its equivalent, for local runs).
    The read engine's connections begin nothing: each SELECT reads its own WAL snapshot.
    With the inline driver the process's writers first wait for their turn (`WriteTurns`)."""
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        return
    turns = WriteTurns.of(connection.engine)
    if turns is None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    dbapi_connection = connection.connection.dbapi_connection
    turns.take(dbapi_connection)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        turns.give_back(dbapi_connection)
        raise

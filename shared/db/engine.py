"""Database engines, sessions and migrations. Nothing here opens a connection at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def async_url(url: str) -> str:
    """Normalise a database URL to its async driver (psycopg 3 or aiosqlite)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def sync_url(url: str) -> str:
    """The same database for synchronous tools (Alembic); psycopg 3 serves both modes."""
    url = async_url(url)
    return url.replace("sqlite+aiosqlite://", "sqlite://", 1)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the service's async engine; SQLite gets WAL and a busy timeout for concurrency."""
    url = async_url(url)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def create_sessions(engine: AsyncEngine, **info: Any) -> async_sessionmaker[AsyncSession]:
    """A session factory; `info` is copied into every session (the outbox uses it to wake its relay)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, info=info)


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers a trivial query."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def run_migrations(migrations_dir: Path, database_url: str) -> None:
    """Upgrade the service's database to the newest Alembic revision (blocking; run in a thread)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    command.upgrade(config, "head")


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN is switched off; `_sqlite_begin_immediate` begins instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at BEGIN, so two commands on one row queue instead of both reading
    the old state (SQLite has no SELECT .. FOR UPDATE; this is its equivalent, for local runs)."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")

"""SQLite through the inline driver, on real database files: no thread per connection, and the
process's writers take turns on the event loop instead of waiting inside SQLite's busy handler
(which would block the loop the writer holding the lock needs to finish)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.engine import (
    async_url,
    create_engine,
    create_read_engine,
    create_read_sessions,
    dispose_read_engine,
    sync_url,
)
from shared.db.write_turns import WriteTurns

BUSY_S = 0.5
"""SQLite's busy timeout in these tests: without turns a second writer fails after it."""


async def _counter(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
        await conn.execute(text("INSERT INTO counter VALUES (1, 0)"))


async def _value(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT value FROM counter WHERE id = 1"))).scalar_one())


async def _increment(engine: AsyncEngine) -> None:
    """Read, yield to the loop while holding the write lock, write back."""
    async with engine.begin() as conn:
        value = (await conn.execute(text("SELECT value FROM counter WHERE id = 1"))).scalar_one()
        await asyncio.sleep(0)
        await conn.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": value + 1})


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'inline.db'}", connect_args={"timeout": BUSY_S})
    await _counter(engine)
    yield engine
    await engine.dispose()


def test_sqlite_urls_get_the_inline_driver_and_aiosqlite_stays_reachable() -> None:
    assert async_url("sqlite:///./var/x.db") == "sqlite+inline:///./var/x.db"
    assert async_url("sqlite+aiosqlite:///./var/x.db") == "sqlite+aiosqlite:///./var/x.db"
    assert sync_url("sqlite:///./var/x.db") == "sqlite:///./var/x.db"
    assert sync_url("sqlite+aiosqlite:///./var/x.db") == "sqlite:///./var/x.db"


async def test_statements_run_without_a_thread_per_connection(engine: AsyncEngine) -> None:
    threads = threading.active_count()
    await asyncio.gather(*(_value(engine) for _ in range(8)))
    assert engine.dialect.driver == "inline"
    assert engine.pool.checkedin() >= 2, "the reads ran on several pooled connections"
    assert threading.active_count() == threads


async def test_concurrent_writers_take_turns_and_lose_no_update(engine: AsyncEngine) -> None:
    await asyncio.gather(*(_increment(engine) for _ in range(25)))
    assert await _value(engine) == 25


async def test_two_engines_on_one_file_share_the_turns(engine: AsyncEngine, tmp_path: Path) -> None:
    other = create_engine(f"sqlite:///{tmp_path / 'inline.db'}", connect_args={"timeout": BUSY_S})
    try:
        await asyncio.gather(*(_increment(e) for _ in range(10) for e in (engine, other)))
        assert await _value(engine) == 20
    finally:
        await other.dispose()


async def test_a_rolled_back_writer_gives_its_turn_back(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE counter SET value = 99 WHERE id = 1"))
            raise RuntimeError("the command failed")
    await asyncio.wait_for(_increment(engine), timeout=5)
    assert await _value(engine) == 1


async def test_reads_do_not_wait_for_a_writer(engine: AsyncEngine) -> None:
    reads = create_read_sessions(create_read_engine(engine))
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE counter SET value = 7 WHERE id = 1"))
        async with reads() as session:
            read = await session.connection()
            seen = (await read.execute(text("SELECT value FROM counter"))).scalar_one()
    assert seen == 0, "the read saw the last committed value while the writer held the lock"
    assert await _value(engine) == 7


async def test_the_read_engine_shares_the_pool_and_leaves_it_to_the_engine(engine: AsyncEngine) -> None:
    read_engine = create_read_engine(engine)
    assert read_engine.sync_engine.pool is engine.sync_engine.pool
    async with read_engine.connect() as conn:
        assert (await conn.execute(text("SELECT value FROM counter"))).scalar_one() == 0
    await dispose_read_engine(read_engine, engine)
    assert read_engine.sync_engine.pool is engine.sync_engine.pool
    assert engine.sync_engine.pool.checkedin() == 1, "disposing the read engine closed the engine's pool"


async def test_a_writer_kept_waiting_past_the_timeout_fails_like_sqlite(engine: AsyncEngine) -> None:
    holding = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE counter SET value = 1 WHERE id = 1"))
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    try:
        with pytest.raises(sa_exc.OperationalError, match="database is locked"):
            await _increment(engine)
    finally:
        release.set()
        await holder
    await _increment(engine)
    assert await _value(engine) == 2


def test_turns_are_installed_on_the_inline_driver_only(tmp_path: Path) -> None:
    inline = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    threaded = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    assert WriteTurns.of(inline.sync_engine) is not None
    assert WriteTurns.of(threaded.sync_engine) is None

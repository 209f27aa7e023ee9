"""`Read.run()` (`shared.web.reads`): the handler runs on a synchronous connection inside one
greenlet; whatever ends it (an answer, an error, the caller's cancellation while the driver waits
on the event loop), the connection goes back to the pool, and the error or the cancellation
still reaches the caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

from shared.access import OrganisationKind, Principal
from shared.db.engine import create_engine, create_read_engine
from shared.web.reads import Read

CALLER = Principal(
    subject="client:zz-jinshui",
    org_code="zz-jinshui",
    org_kind=OrganisationKind.DISTRICT,
    district_code="zz-jinshui",
    scopes=frozenset({"registry:read"}),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    yield engine
    await engine.dispose()


def _checked_out(engine: AsyncEngine) -> int:
    return engine.sync_engine.pool.checkedout()  # type: ignore[attr-defined,no-any-return]


async def test_a_read_runs_on_one_connection_and_gives_it_back(engine: AsyncEngine) -> None:
    read = Read(CALLER, create_read_engine(engine))

    def handler(connection: Connection, project: str, *, suffix: str) -> tuple[str, int]:
        assert _checked_out(engine) == 1
        return connection.execute(text("SELECT :p || :s"), {"p": project, "s": suffix}).scalar_one(), 1

    assert await read.run(handler, "p-", suffix="1") == ("p-1", 1)
    assert _checked_out(engine) == 0


async def test_a_read_awaits_the_driver_on_the_event_loop_without_blocking_it(engine: AsyncEngine) -> None:
    """Two reads that each wait on the loop inside their greenlet both finish: neither holds the
    loop while it waits."""
    read = Read(CALLER, create_read_engine(engine))
    first, second = asyncio.Event(), asyncio.Event()

    def handler(connection: Connection, mine: asyncio.Event, other: asyncio.Event) -> int:
        mine.set()
        await_only(other.wait())
        return connection.execute(text("SELECT 2")).scalar_one()  # type: ignore[no-any-return]

    answers = await asyncio.wait_for(
        asyncio.gather(read.run(handler, first, second), read.run(handler, second, first)), timeout=10
    )
    assert answers == [2, 2]
    assert _checked_out(engine) == 0


async def test_a_failed_read_gives_its_connection_back_and_raises(engine: AsyncEngine) -> None:
    read = Read(CALLER, create_read_engine(engine))

    def handler(connection: Connection) -> None:
        raise LookupError("no such project")

    with pytest.raises(LookupError, match="no such project"):
        await read.run(handler)
    assert _checked_out(engine) == 0


async def test_a_cancelled_read_gives_its_connection_back_and_stays_cancelled(engine: AsyncEngine) -> None:
    read = Read(CALLER, create_read_engine(engine))
    inside = asyncio.Event()

    def handler(connection: Connection) -> None:
        inside.set()
        await_only(asyncio.Event().wait())  # as a driver waiting for its answer

    task = asyncio.create_task(read.run(handler))
    await inside.wait()
    assert _checked_out(engine) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _checked_out(engine) == 0

"""`Read.connect()` (`shared.web.reads`): whatever ends the block, the connection goes back to the
pool; an ordinary end or error closes it directly, a cancellation through SQLAlchemy's shielded
close, and the error or the cancellation still reaches the caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

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


async def test_a_read_gives_its_connection_back(engine: AsyncEngine) -> None:
    read = Read(CALLER, create_read_engine(engine))
    async with read.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        assert _checked_out(engine) == 1
    assert _checked_out(engine) == 0


async def test_a_failed_read_gives_its_connection_back_and_raises(engine: AsyncEngine) -> None:
    read = Read(CALLER, create_read_engine(engine))
    with pytest.raises(LookupError):
        async with read.connect():
            raise LookupError("no such project")
    assert _checked_out(engine) == 0


async def test_a_cancelled_read_gives_its_connection_back_and_stays_cancelled(engine: AsyncEngine) -> None:
    read = Read(CALLER, create_read_engine(engine))
    inside = asyncio.Event()

    async def reading() -> None:
        async with read.connect():
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(reading())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _checked_out(engine) == 0

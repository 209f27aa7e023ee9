"""On SQLite the runtime queues a process's units of work (`UnitOfWork(serialise=True)`): they run
one at a time, first come first served, instead of sleeping in SQLite's busy handler; each still
commits or rolls back on its own, and a turn that never comes does not hang the caller."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db.engine import create_engine, create_sessions
from shared.db.unit_of_work import UnitOfWork


@pytest.fixture
async def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path}/uow.db")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER NOT NULL)"))
    yield engine
    await engine.dispose()


async def _count(engine) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM t"))).scalar_one())


async def test_serialised_units_of_work_run_one_at_a_time_in_arrival_order(engine) -> None:  # type: ignore[no-untyped-def]
    uow = UnitOfWork(create_sessions(engine), serialise=True)
    inside = 0
    most_inside = 0
    order: list[int] = []

    async def write(n: int) -> None:
        nonlocal inside, most_inside
        async with uow() as session:
            inside += 1
            most_inside = max(most_inside, inside)
            order.append(n)
            await (await session.connection()).execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
            await asyncio.sleep(0.01)  # another task would start its own transaction here
            inside -= 1

    await asyncio.gather(*(write(n) for n in range(8)))
    assert most_inside == 1
    assert order == list(range(8))
    assert await _count(engine) == 8


async def test_a_failed_unit_of_work_rolls_back_and_hands_on_its_turn(engine) -> None:  # type: ignore[no-untyped-def]
    uow = UnitOfWork(create_sessions(engine), serialise=True)

    async def failing() -> None:
        async with uow() as session:
            await (await session.connection()).execute(text("INSERT INTO t (n) VALUES (1)"))
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        await failing()
    async with asyncio.timeout(5):
        async with uow() as session:
            await (await session.connection()).execute(text("INSERT INTO t (n) VALUES (2)"))
    assert await _count(engine) == 1


async def test_a_turn_that_does_not_come_in_time_goes_ahead_instead_of_hanging(engine) -> None:  # type: ignore[no-untyped-def]
    uow = UnitOfWork(create_sessions(engine), serialise=True, serial_wait_s=0.05)
    assert uow._turn is not None
    await uow._turn.acquire()  # held elsewhere (say, by a stuck task)
    try:
        async with asyncio.timeout(5):
            async with uow() as session:
                await (await session.connection()).execute(text("INSERT INTO t (n) VALUES (3)"))
    finally:
        uow._turn.release()
    assert await _count(engine) == 1

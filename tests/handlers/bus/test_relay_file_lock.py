"""On a SQLite file one relay is active at a time, as the advisory lock gives on PostgreSQL: the
relay keeps its leases in memory, so a second one would send every row again."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from shared.bus.outbox import OutboxMessage, add_to_outbox
from shared.bus.relay import OutboxRelay
from shared.bus.relay_file_lock import relay_lock_file, try_lock
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.support.events import project_registered as registered
from tests.support.servers import eventually


class Producer:
    """Acks every record at once and keeps the event ids it was given."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, topic: str, value: bytes, key: bytes, headers: Any) -> asyncio.Future[Any]:
        self.sent.append(value.decode().split('"id":"')[1].split('"')[0])
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def test_the_lock_file_sits_beside_a_sqlite_file_and_nowhere_else(tmp_path: Path) -> None:
    assert relay_lock_file(create_engine(f"sqlite:///{tmp_path / 'a.db'}")) == tmp_path / "a.db.relay-lock"
    assert relay_lock_file(create_engine("sqlite://")) is None  # in memory: one process has it
    assert relay_lock_file(create_engine("postgresql+psycopg://u@127.0.0.1:1/x")) is None  # advisory lock
    assert relay_lock_file(None) is None


def test_one_holder_at_a_time_until_it_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "db.relay-lock"
    first = try_lock(path)
    assert first is not None
    assert try_lock(path) is None  # another open file: refused while the first holds it
    os.close(first)
    again = try_lock(path)
    assert again is not None
    os.close(again)


async def test_a_second_relay_on_the_file_stands_by_and_takes_over_when_the_first_stops(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shared.bus.relay")
    engine = create_engine(f"sqlite:///{tmp_path / 'relay.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(OutboxMessage.metadata.create_all, tables=[OutboxMessage.__table__])  # type: ignore[attr-defined]
    sessions = create_sessions(engine)
    uow = UnitOfWork(sessions)

    async def stage() -> str:
        async with uow() as session:
            return add_to_outbox(session, registered(uuid.uuid4())).id

    producers = [Producer(), Producer()]
    relays = [
        OutboxRelay(service="leader", sessions=sessions, producer=p, topic_name=str, poll_interval_s=0.05)  # type: ignore[arg-type]
        for p in producers
    ]
    first = asyncio.create_task(relays[0].run())
    await eventually(lambda: _logged(caplog, "outbox relay of leader is active"))
    second = asyncio.create_task(relays[1].run())
    await eventually(lambda: _logged(caplog, "stands by"))
    try:
        one = await stage()
        await eventually(lambda: _async(producers[0].sent == [one]))
        await asyncio.sleep(0.3)  # a second active relay would have sent it by now
        assert producers[1].sent == []

        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        two = await stage()
        await eventually(lambda: _async(producers[1].sent == [two]), timeout_s=10)
        assert producers[0].sent == [one]
    finally:
        for task in (first, second):
            task.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
        await engine.dispose()


async def _async(value: bool) -> bool:
    return value


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)

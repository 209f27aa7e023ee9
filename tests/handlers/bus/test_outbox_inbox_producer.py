"""Small promises of the outbox, the inbox and the renewable producer (SQLite, fakes)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from shared.bus import producer as producer_module
from shared.bus.inbox import AlreadyClaimed, InboxMessage, already_handled, claim, record_handled
from shared.bus.outbox import PARKED, PENDING, OutboxMessage, add_to_outbox, has_new_events, redrive_parked
from shared.bus.producer import RenewableProducer
from shared.clock import utcnow
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.support.events import project_registered as registered


@pytest.fixture
async def uow(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'bus.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(
            OutboxMessage.metadata.create_all,
            tables=[OutboxMessage.__table__, InboxMessage.__table__],  # type: ignore[attr-defined]
        )
    yield UnitOfWork(create_sessions(engine))
    await engine.dispose()


# -- outbox ---------------------------------------------------------------------------------------


async def test_a_session_that_staged_an_event_wakes_the_relay_once(uow) -> None:  # type: ignore[no-untyped-def]
    async with uow() as session:
        assert has_new_events(session) is False  # nothing staged yet
        add_to_outbox(session, registered())
        assert has_new_events(session) is True
        assert has_new_events(session) is False  # asked and forgotten


async def park(uow: UnitOfWork, count: int) -> list[int]:
    async with uow() as session:
        for _ in range(count):
            add_to_outbox(session, registered())
    async with uow() as session:
        await session.exec(  # type: ignore[call-overload]
            update(OutboxMessage).values(
                state=PARKED,
                attempts=7,
                last_error="MessageSizeTooLargeError: too big",
                next_attempt_at=utcnow() + timedelta(days=1),
            )
        )
        return [r[0] for r in (await session.exec(select(OutboxMessage.id).order_by(OutboxMessage.id))).all()]  # type: ignore[call-overload]


async def rows(uow: UnitOfWork) -> list[OutboxMessage]:
    async with uow() as session:
        return [r[0] for r in (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()]  # type: ignore[call-overload]


async def test_a_redriven_row_is_pending_due_now_with_attempts_and_error_reset(uow) -> None:  # type: ignore[no-untyped-def]
    first, second, third = await park(uow, 3)
    before = utcnow()
    async with uow() as session:
        assert await redrive_parked(session, [first, third]) == 2
    after = utcnow()
    one, two, three = await rows(uow)
    for row in (one, three):
        assert (row.state, row.attempts, row.last_error) == (PENDING, 0, None)
        assert before <= row.next_attempt_at <= after
    assert (two.state, two.attempts) == (PARKED, 7)  # not named: left alone


async def test_redriving_nothing_parked_reports_zero(uow) -> None:  # type: ignore[no-untyped-def]
    async with uow() as session:
        assert await redrive_parked(session) == 0
        assert await redrive_parked(session, [1, 2]) == 0


# -- inbox ----------------------------------------------------------------------------------------


async def test_an_event_handled_by_one_group_is_new_to_another(uow) -> None:  # type: ignore[no-untyped-def]
    async with uow() as session:
        await record_handled(session, "reporting", [("e1", "t"), ("e2", "t")])
    async with uow() as session:
        assert await already_handled(session, "reporting", ["e1", "e3"]) == {"e1"}
        assert await already_handled(session, "funding", ["e1", "e2"]) == set()
        assert await claim(session, "funding", [("e1", "t"), ("e3", "t")]) == {"e1", "e3"}
        assert await claim(session, "reporting", [("e1", "t"), ("e3", "t"), ("e3", "t")]) == {"e3"}
    async with uow() as session:
        stored = (await session.exec(select(InboxMessage.consumer_group, InboxMessage.event_id))).all()  # type: ignore[call-overload]
    assert sorted(map(tuple, stored)) == [
        ("funding", "e1"),
        ("funding", "e3"),
        ("reporting", "e1"),
        ("reporting", "e2"),
        ("reporting", "e3"),
    ]


async def test_a_claim_expecting_new_events_inserts_them_or_fails_whole_on_one_handled_before(uow) -> None:  # type: ignore[no-untyped-def]
    async with uow() as session:
        claimed = await claim(session, "reporting", [("e1", "t"), ("e2", "t"), ("e1", "t")], expect_new=True)
    assert claimed == {"e1", "e2"}
    with pytest.raises(AlreadyClaimed):
        async with uow() as session:
            await claim(session, "reporting", [("e3", "t"), ("e2", "t")], expect_new=True)
    async with uow() as session:
        handled = await already_handled(session, "reporting", ["e1", "e2", "e3"])
        assert handled == {"e1", "e2"}  # e3 went with the rolled-back transaction
        assert await claim(session, "reporting", [("e3", "t"), ("e2", "t")]) == {"e3"}


# -- renewable producer ---------------------------------------------------------------------------


class Kafka:
    """The surface of AIOKafkaProducer the wrapper uses."""

    def __init__(self, stop: Any = None) -> None:
        self.client = object()
        self.started = False
        self.calls: list[tuple[Any, ...]] = []
        self._stop = stop

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        if self._stop is not None:
            await self._stop()

    async def send_and_wait(self, *args: Any, **kwargs: Any) -> str:
        self.calls.append((args, kwargs))
        return "metadata"


async def test_each_renewal_counts_a_generation_and_is_logged(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="shared.bus.producer")
    renewable = RenewableProducer(Kafka)  # type: ignore[arg-type]
    assert await renewable.renew(0) and await renewable.renew(1)
    assert renewable.generation == 2
    assert [r.getMessage() for r in caplog.records] == [
        "kafka producer replaced, its idempotence state lost (generation 1)",
        "kafka producer replaced, its idempotence state lost (generation 2)",
    ]


async def test_an_old_producer_that_fails_or_hangs_on_stop_does_not_hold_the_renewal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(producer_module, "_STOP_TIMEOUT_S", 0.01)

    async def broken() -> None:
        raise RuntimeError("connection reset")

    async def hanging() -> None:
        await asyncio.Event().wait()

    for stop in (broken, hanging):
        renewable = RenewableProducer(lambda stop=stop: Kafka(stop))  # type: ignore[arg-type,misc]
        assert await asyncio.wait_for(renewable.renew(0), timeout=2) is True
        assert renewable.generation == 1


async def test_the_wrapper_forwards_to_the_current_producer() -> None:
    made: list[Kafka] = []

    def factory() -> Kafka:
        made.append(Kafka())
        return made[-1]

    renewable = RenewableProducer(factory)  # type: ignore[arg-type]
    assert renewable.client is made[0].client
    await renewable.renew(0)
    assert renewable.client is made[1].client and made[1].started
    assert await renewable.send_and_wait("topic", b"v", key=b"k") == "metadata"
    assert made[1].calls == [(("topic", b"v"), {"key": b"k"})]

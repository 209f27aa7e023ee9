"""The outbox relay on SQLite with a fake producer: order per key, leases, parking, bounded acks.

A row the broker acknowledged is deleted: `states` lists only the rows still in the outbox."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError, OutOfOrderSequenceNumber
from sqlalchemy import select, update

from shared.bus.outbox import PARKED, PENDING, OutboxMessage, add_to_outbox, redrive_parked
from shared.bus.producer import RenewableProducer
from shared.bus.relay import OutboxRelay
from shared.clock import utcnow
from shared.contracts.registry import ProjectRegistered
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.support.events import project_registered as registered


class FakeProducer:
    """Records what was sent; `fail` decides per record: None (ack), an exception, or "hang"."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (key, event id)
        self.headers: list[Any] = []
        self.fail: Any = lambda key, value: None
        self.enqueue_fail: Any = lambda key, value: None

    async def send(self, topic: str, value: bytes, key: bytes, headers: Any) -> asyncio.Future[Any]:
        self.headers.append(headers)
        error = self.enqueue_fail(key.decode(), value)
        if error is not None:
            raise error
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        outcome = self.fail(key.decode(), value)
        if outcome is None:
            self.sent.append((key.decode(), value.decode()))
            future.set_result(None)
        elif outcome != "hang":
            future.set_exception(outcome)
        return future


@pytest.fixture
async def relay_world(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'relay.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(OutboxMessage.metadata.create_all, tables=[OutboxMessage.__table__])  # type: ignore[attr-defined]
    sessions = create_sessions(engine)
    producer = FakeProducer()
    relay = OutboxRelay(
        service="test",
        sessions=sessions,
        producer=producer,  # type: ignore[arg-type]
        topic_name=lambda t: t,
        ack_timeout_s=0.2,
        max_attempts=3,
    )
    yield UnitOfWork(sessions), relay, producer
    await engine.dispose()


async def stage(uow: UnitOfWork, *payloads: ProjectRegistered) -> list[str]:
    async with uow() as session:
        return [add_to_outbox(session, p).id for p in payloads]


async def states(uow: UnitOfWork) -> dict[str, str]:
    async with uow() as session:
        rows = (await session.exec(select(OutboxMessage.event_id, OutboxMessage.state))).all()  # type: ignore[call-overload]
    return dict(rows)


async def make_due(uow: UnitOfWork) -> None:
    """Skip the back-off: every pending row is due now."""
    async with uow() as session:
        await session.exec(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))  # type: ignore[call-overload]


def event_ids(rows: list[Any]) -> list[str]:
    """The CloudEvent ids of leased rows (a lease reads the envelope, not the id column)."""
    return [json.loads(row.content)["id"] for row in rows]


def sent_ids(producer: FakeProducer, ids: list[str]) -> list[str]:
    order = {eid: n for n, eid in enumerate(ids)}
    return [eid for _, value in producer.sent for eid in ids if eid in value and eid in order]


async def test_rows_are_published_in_id_order_and_deleted(relay_world) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    ids = await stage(uow, *(registered(uuid.uuid4()) for _ in range(5)))
    assert await relay.publish_batch() == 5
    assert sent_ids(producer, ids) == ids
    assert await states(uow) == {}
    # structured mode (CloudEvents Kafka binding): the whole envelope is the value
    assert all(dict(h)["content-type"] == b"application/cloudevents+json" for h in producer.headers)


async def test_a_later_row_of_a_key_waits_while_an_earlier_one_backs_off(relay_world) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    project, other = uuid.uuid4(), uuid.uuid4()
    (first,) = await stage(uow, registered(project))
    producer.fail = lambda key, value: KafkaConnectionError() if first.encode() in value else None
    assert await relay.publish_batch() == 0
    second, third = await stage(uow, registered(project), registered(other))
    assert await relay.publish_batch() == 1  # only the other key's row goes out
    assert (await states(uow))[second] == PENDING
    assert sent_ids(producer, [first, second, third]) == [third]

    producer.fail = lambda key, value: None
    await make_due(uow)
    assert await relay.publish_batch() == 2
    assert sent_ids(producer, [first, second, third]) == [third, first, second]


async def test_a_key_whose_row_cannot_be_enqueued_holds_its_later_rows_in_the_batch(relay_world) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    project = uuid.uuid4()
    first, second = await stage(uow, registered(project), registered(project))
    producer.enqueue_fail = lambda key, value: KafkaConnectionError() if first.encode() in value else None
    assert await relay.publish_batch() == 0
    assert producer.sent == []
    assert set((await states(uow)).values()) == {PENDING}


async def test_a_record_too_large_is_parked_at_once_and_can_be_re_driven(relay_world) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    (big,) = await stage(uow, registered(uuid.uuid4()))
    producer.fail = lambda key, value: MessageSizeTooLargeError()
    assert await relay.publish_batch() == 0
    assert (await states(uow))[big] == PARKED
    await make_due(uow)
    assert await relay.publish_batch() == 0  # parked rows are not retried on their own

    producer.fail = lambda key, value: None
    async with uow() as session:
        assert await redrive_parked(session) == 1
    assert await relay.publish_batch() == 1
    assert big not in await states(uow)


async def test_a_row_failing_max_attempts_times_is_parked(relay_world) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    (row,) = await stage(uow, registered(uuid.uuid4()))
    producer.fail = lambda key, value: KafkaConnectionError()
    for _ in range(3):
        await make_due(uow)
        await relay.publish_batch()
    assert (await states(uow))[row] == PARKED


async def test_an_ack_that_never_comes_is_bounded_and_the_row_stays_pending(relay_world) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    (row,) = await stage(uow, registered(uuid.uuid4()))
    producer.fail = lambda key, value: "hang"
    assert await asyncio.wait_for(relay.publish_batch(), timeout=5) == 0
    assert (await states(uow))[row] == PENDING


async def test_leased_rows_are_not_leased_again(relay_world) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    await stage(uow, registered(uuid.uuid4()), registered(uuid.uuid4()))
    first = await relay._lease_due_rows()
    assert len(first) == 2
    assert await relay._lease_due_rows() == []


async def test_a_lease_leaves_out_the_keys_in_flight_and_the_ranges_leased(relay_world) -> None:  # type: ignore[no-untyped-def]
    """The lease is the relay's memory, not a column: a second lease takes what lies beyond the
    first batch's ids, holds back rows of its keys, and after the first batch is settled
    (published and deleted) takes the row it had to skip."""
    uow, relay, producer = relay_world
    project = uuid.uuid4()
    a, b = await stage(uow, registered(project), registered(uuid.uuid4()))
    first = await relay._lease_due_rows()
    assert event_ids(first) == [a, b]
    c, d = await stage(uow, registered(project), registered(uuid.uuid4()))
    second = await relay._lease_due_rows()
    assert event_ids(second) == [d]  # c's key is in flight
    assert await relay._lease_due_rows() == []
    batch = await relay._send(first)
    assert await relay._confirm(batch) == (2, False)
    assert set(await states(uow)) == {c, d}  # the first batch is gone; d is still leased
    assert event_ids(await relay._lease_due_rows()) == [c]


async def test_a_row_held_back_inside_a_batch_in_flight_holds_back_its_keys_later_rows(relay_world) -> None:  # type: ignore[no-untyped-def]
    """x (project B) failed and waits out its back-off, so the next lease skips y (B) while it
    leases v and w around it: y lies inside that batch's range, pending and not leased. Once x is
    due again, a lease taken while v and w are in flight must not take z (B, after w): y would go
    out after it. B's rows wait until the batch is settled, then go out as x, y, z."""
    uow, relay, producer = relay_world
    project = uuid.uuid4()
    (x,) = await stage(uow, registered(project))
    producer.fail = lambda key, value: KafkaConnectionError()
    assert await relay.publish_batch() == 0  # x is backed off
    producer.fail = lambda key, value: None
    v, y, w = await stage(uow, registered(uuid.uuid4()), registered(project), registered(uuid.uuid4()))
    in_flight = await relay._lease_due_rows()
    assert event_ids(in_flight) == [v, w]  # y is held back behind x
    await make_due(uow)
    (z,) = await stage(uow, registered(project))
    assert event_ids(await relay._lease_due_rows()) == []  # not x and z while y waits
    assert await relay._confirm(await relay._send(in_flight)) == (2, False)
    assert event_ids(await relay._lease_due_rows()) == [x, y, z]


async def test_a_batch_that_cannot_be_sent_is_leased_again_at_once(relay_world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    (row,) = await stage(uow, registered(uuid.uuid4()))
    rows = await relay._lease_due_rows()

    async def broken(rows: Any) -> Any:
        raise RuntimeError("the producer is gone")

    monkeypatch.setattr(relay, "_send_all", broken)
    assert await relay._send_logged(rows) == (None, True)
    assert event_ids(await relay._lease_due_rows()) == [row]


async def test_a_tool_whose_batch_cannot_be_sent_sees_the_error_and_the_rows_go_out_next_time(
    relay_world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    uow, relay, producer = relay_world
    (row,) = await stage(uow, registered(uuid.uuid4()))
    send_all = relay._send_all

    async def broken(rows: Any) -> Any:
        raise RuntimeError("the producer is gone")

    monkeypatch.setattr(relay, "_send_all", broken)
    with pytest.raises(RuntimeError, match="the producer is gone"):
        await relay.publish_batch()
    monkeypatch.setattr(relay, "_send_all", send_all)
    assert await relay.publish_batch() == 1  # released, not left leased in the relay's memory
    assert sent_ids(producer, [row]) == [row]


class _StartStopProducer(FakeProducer):
    def __init__(self) -> None:
        super().__init__()
        self.started = self.stopped = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


async def test_a_producer_that_lost_its_sequence_state_is_replaced_and_the_row_goes_out_on_the_new_one(
    relay_world,
) -> None:  # type: ignore[no-untyped-def]
    """After a broker restart aiokafka answers OutOfOrderSequenceNumber for every later send."""
    uow, relay, _ = relay_world
    made: list[_StartStopProducer] = []

    def factory() -> _StartStopProducer:
        made.append(_StartStopProducer())
        return made[-1]

    renewable = RenewableProducer(factory)  # type: ignore[arg-type]
    await renewable.start()
    made[0].fail = lambda key, value: OutOfOrderSequenceNumber()
    relay._producer = renewable
    (row,) = await stage(uow, registered(uuid.uuid4()))

    assert await relay.publish_batch() == 0
    assert len(made) == 2 and made[1].started and made[0].stopped, "a fresh producer replaced the broken one"
    assert renewable.generation == 1
    await make_due(uow)
    assert await relay.publish_batch() == 1
    assert row not in await states(uow)
    assert [eid for _, value in made[1].sent for eid in [row] if eid in value] == [row]


async def test_an_ordinary_broker_error_keeps_the_producer(relay_world) -> None:  # type: ignore[no-untyped-def]
    uow, relay, _ = relay_world
    made: list[_StartStopProducer] = []

    def factory() -> _StartStopProducer:
        made.append(_StartStopProducer())
        return made[-1]

    renewable = RenewableProducer(factory)  # type: ignore[arg-type]
    made[0].fail = lambda key, value: KafkaConnectionError()
    relay._producer = renewable
    await stage(uow, registered(uuid.uuid4()))
    assert await relay.publish_batch() == 0
    assert len(made) == 1 and renewable.generation == 0


async def test_two_reports_of_one_failure_renew_once() -> None:
    made: list[_StartStopProducer] = []

    def factory() -> _StartStopProducer:
        made.append(_StartStopProducer())
        return made[-1]

    renewable = RenewableProducer(factory)  # type: ignore[arg-type]
    assert await renewable.renew(0) is True
    assert await renewable.renew(0) is False  # the second reporter finds it done
    assert len(made) == 2

"""What one relay batch records: published rows deleted, back-off, parking, held rows, metrics
and spans.

SQLite and a fake producer, as in test_outbox_relay.py; the relay's clock (`utcnow`) is pinned so
back-off instants are exact.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError, OutOfOrderSequenceNumber
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY
from sqlalchemy import event, select, update
from sqlalchemy.dialects import postgresql

from shared.bus import outbox as outbox_module
from shared.bus import relay as relay_module
from shared.bus.outbox import PARKED, PENDING, OutboxMessage, add_many_to_outbox, add_to_outbox
from shared.bus.producer import RenewableProducer
from shared.bus.relay import OutboxRelay
from shared.contracts.registry import ProjectRegistered
from shared.db import UnitOfWork, create_engine, create_sessions
from shared.settings import ServiceSettings
from tests.support.events import project_registered as registered
from tests.support.tracing import spans_fixture  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 2, 8, 1, tzinfo=UTC)
"""The relay's clock; rows are staged a minute earlier (`STAGED`), so they are due. Fixed rather
than read at import: a process that imported this module minutes earlier must see the same."""
STAGED = NOW - timedelta(minutes=1)


class Producer:
    """`outcome(event_id)`: None acks, an exception fails the ack, "hang" never acks, "cancel"
    cancels it; `refuse(event_id)`: an exception raised by `send` itself (not enqueued)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (topic, event id)
        self.outcome: Any = lambda eid: None
        self.refuse: Any = lambda eid: None

    async def send(self, topic: str, value: bytes, key: bytes, headers: Any) -> asyncio.Future[Any]:
        eid = value.decode().split('"id":"')[1].split('"')[0]
        refused = self.refuse(eid)
        if refused is not None:
            raise refused
        self.sent.append((topic, eid))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        outcome = self.outcome(eid)
        if outcome is None:
            future.set_result(None)
        elif outcome == "cancel":
            future.cancel()
        elif outcome != "hang":
            future.set_exception(outcome)
        return future


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.engine = create_engine(f"sqlite:///{tmp_path / 'outcomes.db'}")
        self.sessions = create_sessions(self.engine)
        self.uow = UnitOfWork(self.sessions)
        self.producer = Producer()
        self.service = f"outcomes-{uuid.uuid4().hex[:8]}"

    def relay(self, **options: Any) -> OutboxRelay:
        options.setdefault("ack_timeout_s", 0.05)
        return OutboxRelay(
            service=self.service,
            sessions=self.sessions,
            producer=options.pop("producer", self.producer),
            topic_name=options.pop("topic_name", lambda t: t),
            **options,
        )

    async def stage(self, *keys: uuid.UUID) -> list[str]:
        async with self.uow() as session:
            return [add_to_outbox(session, registered(key)).id for key in keys]

    async def rows(self) -> dict[str, OutboxMessage]:
        async with self.uow() as session:
            found = (await session.exec(select(OutboxMessage))).all()  # type: ignore[call-overload]
        return {row[0].event_id: row[0] for row in found}

    async def set_attempts(self, event_id: str, attempts: int) -> None:
        async with self.uow() as session:
            await session.exec(  # type: ignore[call-overload]
                update(OutboxMessage).where(OutboxMessage.event_id == event_id).values(attempts=attempts)
            )


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(relay_module, "utcnow", lambda: NOW)
    monkeypatch.setattr(outbox_module, "utcnow", lambda: STAGED)
    w = World(tmp_path)
    async with w.engine.begin() as conn:
        await conn.run_sync(OutboxMessage.metadata.create_all, tables=[OutboxMessage.__table__])  # type: ignore[attr-defined]
    yield w
    await w.engine.dispose()


def flat(sql: Any) -> str:
    return re.sub(r"\s+", " ", str(sql)).strip()


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


# -- construction and defaults ----------------------------------------------------------------


async def test_by_default_a_batch_holds_2000_rows_as_the_settings_do(world) -> None:  # type: ignore[no-untyped-def]
    async with world.uow() as session:
        await add_many_to_outbox(session, [registered(uuid.uuid4()) for _ in range(2001)])
    relay = OutboxRelay(
        service=world.service, sessions=world.sessions, producer=world.producer, topic_name=str
    )  # type: ignore[arg-type]
    assert await relay.publish_batch() == 2000
    rows = sorted((await world.rows()).values(), key=lambda r: r.id)
    assert [r.state for r in rows] == [PENDING]  # the 2000 published rows are deleted
    assert metric("events_produced_total", service=world.service, type=ProjectRegistered.TYPE) == 2000
    assert ServiceSettings(service_name="s", environment="test").outbox_batch_size == 2000


async def test_a_lease_writes_nothing_the_row_being_sent_is_unchanged(world) -> None:  # type: ignore[no-untyped-def]
    (row,) = await world.stage(uuid.uuid4())
    before = (await world.rows())[row].model_dump()
    seen: list[dict[str, Any]] = []

    class Watching(Producer):
        async def send(self, topic: str, value: bytes, key: bytes, headers: Any) -> asyncio.Future[Any]:
            seen.append((await world.rows())[row].model_dump())  # the row while it is in flight
            return await super().send(topic, value, key, headers)

    relay = OutboxRelay(service=world.service, sessions=world.sessions, producer=Watching(), topic_name=str)  # type: ignore[arg-type]
    assert await relay.publish_batch() == 1
    assert seen == [before]
    assert await world.rows() == {}


async def test_by_default_backoff_is_capped_at_30_seconds_and_the_50th_failure_parks(world) -> None:  # type: ignore[no-untyped-def]
    backing, parking = await world.stage(uuid.uuid4(), uuid.uuid4())
    await world.set_attempts(backing, 10)  # 0.5 s * 2**10 is far beyond the cap
    await world.set_attempts(parking, 49)
    world.producer.outcome = lambda eid: RuntimeError("broker down")
    relay = OutboxRelay(
        service=world.service, sessions=world.sessions, producer=world.producer, topic_name=str
    )  # type: ignore[arg-type]
    assert await relay.publish_batch() == 0
    rows = await world.rows()
    assert (rows[backing].state, rows[backing].attempts, rows[backing].next_attempt_at) == (
        PENDING,
        11,
        at(30),
    )
    assert (rows[parking].state, rows[parking].attempts) == (PARKED, 50)


async def test_by_default_acks_are_awaited_30_seconds(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    waits: list[Any] = []

    class Timers:
        async def wait(self, futures: Any, timeout: Any = None) -> Any:  # noqa: ASYNC109 (stands in for asyncio.wait)
            waits.append(timeout)  # the broker never answers within it
            return set(), set(futures)

        def __getattr__(self, name: str) -> Any:
            return getattr(asyncio, name)

    monkeypatch.setattr(relay_module, "asyncio", Timers())
    (row,) = await world.stage(uuid.uuid4())
    world.producer.outcome = lambda eid: "hang"
    relay = OutboxRelay(
        service=world.service, sessions=world.sessions, producer=world.producer, topic_name=str
    )  # type: ignore[arg-type]
    assert await relay.publish_batch() == 0
    assert waits == [30.0]
    stored = (await world.rows())[row]
    assert (stored.state, stored.attempts, stored.last_error) == (
        PENDING,
        1,
        "TimeoutError: no ack within 30.0s",
    )


# -- outcomes -----------------------------------------------------------------------------------


async def test_published_rows_are_deleted_and_counted_per_service_and_type(world) -> None:  # type: ignore[no-untyped-def]
    first, second, third = await world.stage(uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    world.producer.outcome = lambda eid: RuntimeError("broker down") if eid == third else None
    relay = world.relay(topic_name=lambda t: f"prod.{t}")
    assert await relay.publish_batch() == 2
    assert set(await world.rows()) == {third}  # the failed row stays, the acked ones are gone
    assert world.producer.sent[:2] == [
        (f"prod.{ProjectRegistered.TOPIC}", first),
        (f"prod.{ProjectRegistered.TOPIC}", second),
    ]
    assert metric("events_produced_total", service=world.service, type=ProjectRegistered.TYPE) == 2


async def test_a_failed_row_backs_off_exponentially_with_its_error_recorded(world, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="shared.bus.relay")
    first, third = await world.stage(uuid.uuid4(), uuid.uuid4())
    await world.set_attempts(third, 3)
    world.producer.outcome = lambda eid: RuntimeError("broker down")
    relay = world.relay(max_backoff_s=60.0, max_attempts=10)
    assert await relay.publish_batch() == 0
    rows = await world.rows()
    assert (rows[first].attempts, rows[first].next_attempt_at) == (1, at(0.5))  # 0.5 s * 2**0
    assert (rows[third].attempts, rows[third].next_attempt_at) == (4, at(4))  # 0.5 s * 2**3
    assert {rows[e].last_error for e in (first, third)} == {"RuntimeError: broker down"}
    assert {rows[e].state for e in (first, third)} == {PENDING}
    assert metric("outbox_publish_failures_total", service=world.service) == 2
    ids = {e: rows[e].id for e in (first, third)}
    assert sorted(r.getMessage() for r in caplog.records) == sorted(
        [
            f"outbox row {ids[first]} not published (attempt 1): RuntimeError: broker down",
            f"outbox row {ids[third]} not published (attempt 4): RuntimeError: broker down",
        ]
    )


async def test_a_long_error_is_kept_to_2000_characters(world) -> None:  # type: ignore[no-untyped-def]
    (row,) = await world.stage(uuid.uuid4())
    world.producer.outcome = lambda eid: RuntimeError("x" * 3000)
    await world.relay().publish_batch()
    assert (await world.rows())[row].last_error == ("RuntimeError: " + "x" * 3000)[:2000]


async def test_a_parked_row_keeps_its_attempts_and_error_and_is_counted_and_logged(world, caplog) -> None:  # type: ignore[no-untyped-def]
    (row,) = await world.stage(uuid.uuid4())
    await world.set_attempts(row, 1)
    world.producer.outcome = lambda eid: MessageSizeTooLargeError("too big")
    assert await world.relay(max_attempts=10).publish_batch() == 0
    stored = (await world.rows())[row]
    error = f"MessageSizeTooLargeError: {MessageSizeTooLargeError('too big')}"
    assert (stored.state, stored.attempts, stored.last_error) == (PARKED, 2, error)
    assert metric("outbox_parked_total", service=world.service) == 1
    assert metric("outbox_publish_failures_total", service=world.service) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        f"outbox row {stored.id} ({ProjectRegistered.TYPE}) parked after 2 attempts: {error};"
        " re-drive it with redrive_parked()"
    ]


async def test_a_row_held_behind_its_key_is_due_again_at_once_and_other_keys_still_go(world) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    refused, held, other = await world.stage(key, key, uuid.uuid4())
    world.producer.refuse = lambda eid: KafkaConnectionError("no metadata") if eid == refused else None
    assert await world.relay().publish_batch() == 1
    rows = await world.rows()
    assert [eid for _, eid in world.producer.sent] == [other]
    assert (rows[refused].attempts, rows[refused].next_attempt_at) == (1, at(0.5))
    assert rows[refused].last_error == f"KafkaConnectionError: {KafkaConnectionError('no metadata')}"
    assert (rows[held].state, rows[held].attempts, rows[held].next_attempt_at) == (PENDING, 0, STAGED)
    assert other not in rows


async def test_an_ack_that_never_comes_or_is_cancelled_is_a_failure(world) -> None:  # type: ignore[no-untyped-def]
    hanging, cancelled = await world.stage(uuid.uuid4(), uuid.uuid4())
    world.producer.outcome = lambda eid: "hang" if eid == hanging else "cancel"
    assert await world.relay(ack_timeout_s=0.05).publish_batch() == 0
    rows = await world.rows()
    assert (rows[hanging].attempts, rows[hanging].last_error) == (1, "TimeoutError: no ack within 0.05s")
    assert (rows[cancelled].attempts, rows[cancelled].last_error) == (1, "CancelledError: ")


# -- the producer's generation -------------------------------------------------------------------


class _Lifecycle(Producer):
    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


async def test_a_renewed_producer_that_breaks_again_is_renewed_again(world) -> None:  # type: ignore[no-untyped-def]
    made: list[_Lifecycle] = []

    def factory() -> _Lifecycle:
        made.append(_Lifecycle())
        made[-1].outcome = lambda eid: OutOfOrderSequenceNumber()
        return made[-1]

    renewable = RenewableProducer(factory)  # type: ignore[arg-type]
    await renewable.renew(0)
    assert renewable.generation == 1
    await world.stage(uuid.uuid4())
    assert await world.relay(producer=renewable).publish_batch() == 0
    assert renewable.generation == 2 and len(made) == 3


async def test_a_producer_that_cannot_be_replaced_yet_is_logged_and_kept(world, caplog) -> None:  # type: ignore[no-untyped-def]
    class Refusing(_Lifecycle):
        async def start(self) -> None:
            raise KafkaConnectionError("broker still away")

    made: list[_Lifecycle] = []

    def factory() -> _Lifecycle:
        made.append(_Lifecycle() if not made else Refusing())
        made[-1].outcome = lambda eid: OutOfOrderSequenceNumber()
        return made[-1]

    renewable = RenewableProducer(factory)  # type: ignore[arg-type]
    await world.stage(uuid.uuid4())
    assert await world.relay(producer=renewable).publish_batch() == 0
    assert renewable.generation == 0
    (warning,) = [r for r in caplog.records if r.getMessage().startswith("kafka producer")]
    assert warning.getMessage() == "kafka producer not replaced yet; retried with the next batch"
    assert warning.levelno == logging.WARNING
    assert warning.exc_info is not None and isinstance(warning.exc_info[1], KafkaConnectionError)


# -- spans --------------------------------------------------------------------------------------


async def test_producer_spans_name_the_topic_key_type_and_service_and_end_with_the_outcome(
    world, spans
) -> None:  # type: ignore[no-untyped-def]
    key, other = uuid.uuid4(), uuid.uuid4()
    refused, _held, _fine = await world.stage(key, key, other)
    world.producer.refuse = lambda eid: RuntimeError("no metadata") if eid == refused else None
    relay = world.relay(topic_name=lambda t: f"prod.{t}")
    assert await relay.publish_batch() == 1
    finished = spans.get_finished_spans()
    assert [s.name for s in finished] == [f"{ProjectRegistered.TOPIC} publish"] * 3
    assert {s.kind for s in finished} == {SpanKind.PRODUCER}
    by_key = {}
    for span in finished:
        assert dict(span.attributes) == {
            "messaging.system": "kafka",
            "messaging.destination.name": f"prod.{ProjectRegistered.TOPIC}",
            "messaging.kafka.message.key": span.attributes["messaging.kafka.message.key"],
            "cloudevents.event_type": ProjectRegistered.TYPE,
            "service": world.service,
        }
        by_key.setdefault(span.attributes["messaging.kafka.message.key"], []).append(span)
    first, second = by_key[str(key)]
    (ok,) = by_key[str(other)]
    assert ok.status.status_code is StatusCode.UNSET
    assert (first.status.status_code, first.status.description) == (StatusCode.ERROR, "RuntimeError")
    assert [e.name for e in first.events] == ["exception"]
    assert (second.status.status_code, second.status.description) == (
        StatusCode.ERROR,
        "held back behind its key",
    )


# -- leasing ------------------------------------------------------------------------------------


async def set_due(world: World, event_id: str, due: datetime) -> None:
    async with world.uow() as session:
        await session.exec(  # type: ignore[call-overload]
            update(OutboxMessage).where(OutboxMessage.event_id == event_id).values(next_attempt_at=due)
        )


async def test_a_row_due_exactly_now_goes_out(world) -> None:  # type: ignore[no-untyped-def]
    (row,) = await world.stage(uuid.uuid4())
    await set_due(world, row, NOW)
    assert await world.relay().publish_batch() == 1


async def test_a_row_backing_off_does_not_take_a_place_in_the_batch(world) -> None:  # type: ignore[no-untyped-def]
    backing, due = await world.stage(uuid.uuid4(), uuid.uuid4())
    await set_due(world, backing, at(10))
    assert await world.relay(batch_size=1).publish_batch() == 1
    assert [eid for _, eid in world.producer.sent] == [due]


async def test_a_parked_row_does_not_hold_back_its_keys_later_rows(world) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    (parked,) = await world.stage(key)
    world.producer.outcome = lambda eid: MessageSizeTooLargeError() if eid == parked else None
    assert await world.relay().publish_batch() == 0
    (later,) = await world.stage(key)
    assert await world.relay().publish_batch() == 1
    assert later not in await world.rows()


async def test_on_postgresql_the_lease_takes_due_rows_in_id_order_outside_the_leased_ranges(world) -> None:  # type: ignore[no-untyped-def]
    """The statements the lease runs, compiled for PostgreSQL; the behaviour is proven on
    PostgreSQL by tests/integration/test_cluster_faults.py. No row is locked: only the active
    relay leases."""
    ran: list[Any] = []
    event.listen(world.engine.sync_engine, "before_execute", lambda conn, clause, *a: ran.append(clause))
    await world.stage(uuid.uuid4())
    await world.relay(batch_size=7).publish_batch()
    sql = [flat(c.compile(dialect=postgresql.dialect())) for c in ran if c.is_select]
    (lease,) = [s for s in sql if "LIMIT" in s]
    assert re.search(
        r"FROM outbox_message WHERE outbox_message\.state = 'pending'"
        r" AND outbox_message\.next_attempt_at <= %\(p_now\)s(::[A-Z ]+)?"
        r" AND outbox_message\.id NOT BETWEEN %\(p_lo0\)s(::INTEGER)? AND %\(p_hi0\)s(::INTEGER)?"
        r" AND outbox_message\.id NOT BETWEEN %\(p_lo1\)s(::INTEGER)? AND %\(p_hi1\)s(::INTEGER)?"
        r" ORDER BY outbox_message\.id LIMIT %\(param_\d\)s(::INTEGER)?$",
        lease,
    ), lease
    assert "FOR UPDATE" not in lease
    # the state is in the SQL's text, so PostgreSQL can use the partial index ix_outbox_pending_id
    # even in a prepared statement's generic plan; the blocked keys are asked below the batch only:
    # rows backing off, and rows inside a leased range (held back or committed late)
    (blocked,) = [s for s in sql if "DISTINCT" in s]
    assert re.fullmatch(
        r"SELECT DISTINCT outbox_message\.partition_key FROM outbox_message"
        r" WHERE outbox_message\.state = 'pending' AND outbox_message\.id < %\(p_below\)s(::INTEGER)?"
        r" AND \(outbox_message\.next_attempt_at > %\(p_now\)s(::[A-Z ]+)?"
        r" OR outbox_message\.id BETWEEN %\(p_lo0\)s(::INTEGER)? AND %\(p_hi0\)s(::INTEGER)?"
        r" OR outbox_message\.id BETWEEN %\(p_lo1\)s(::INTEGER)? AND %\(p_hi1\)s(::INTEGER)?\)",
        blocked,
    ), blocked

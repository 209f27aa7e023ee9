"""The bus records what operators watch (issue 12): the oldest pending outbox row's age, each
handler run's duration and each handled event's end-to-end latency, with the right labels.

Read through prometheus_client's registry as before/after deltas (other tests share the
process-wide collectors); each test uses a service name of its own.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition
from prometheus_client import REGISTRY
from sqlalchemy import update

from shared.bus.consumer import EventConsumer
from shared.bus.inbox import InboxMessage
from shared.bus.outbox import PARKED, OutboxMessage, add_to_outbox, redrive_parked
from shared.bus.relay import OutboxRelay
from shared.bus.subscriptions import Subscriptions
from shared.clock import FixedClock, utcnow
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectRegistered
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.handlers.harness import DEFAULT_NOW
from tests.support.events import project_registered as registered

TYPE = ProjectRegistered.TYPE


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _sqlite(tmp_path: Path, table: Any) -> Any:
    engine = create_engine(f"sqlite:///{tmp_path / 'bus.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all, tables=[table.__table__])
    return engine


# --------------------------------------------------------------------------- relay


class AckingProducer:
    async def send(self, topic: str, value: bytes, key: bytes, headers: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


async def test_the_oldest_pending_outbox_rows_age_is_set_with_the_backlog(tmp_path: Path) -> None:
    engine = await _sqlite(tmp_path, OutboxMessage)
    sessions = create_sessions(engine)
    relay = OutboxRelay(
        service="obs-relay",
        sessions=sessions,
        producer=AckingProducer(),  # type: ignore[arg-type]
        topic_name=lambda t: t,
    )
    async with UnitOfWork(sessions)() as session:
        for _ in range(3):
            add_to_outbox(session, registered())
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    async with UnitOfWork(sessions)() as session:  # the first row waited two minutes, the rest less
        await session.exec(update(table).values(created_at=utcnow() - timedelta(seconds=60)))  # type: ignore[call-overload]
        await session.exec(
            update(table).where(table.c.id == 1).values(created_at=utcnow() - timedelta(seconds=120))  # type: ignore[call-overload]
        )

    await relay._refresh_backlog()
    assert sample("outbox_backlog", service="obs-relay") == 3
    age = sample("outbox_oldest_pending_age_seconds", service="obs-relay")
    assert 120 <= age < 130, age

    assert await relay.publish_batch() == 3
    relay._last_backlog_check = float("-inf")  # the refresh is throttled to one per 2 s
    await relay._refresh_backlog()
    assert sample("outbox_backlog", service="obs-relay") == 0
    assert sample("outbox_oldest_pending_age_seconds", service="obs-relay") == 0.0
    await engine.dispose()


async def test_the_parked_rows_gauge_counts_the_rows_parked_now(tmp_path: Path) -> None:
    """The counter `outbox_parked_total` says rows were parked; the gauge says how many wait now,
    so an alert clears once an operator re-drives them."""
    engine = await _sqlite(tmp_path, OutboxMessage)
    sessions = create_sessions(engine)
    relay = OutboxRelay(
        service="obs-parked",
        sessions=sessions,
        producer=AckingProducer(),  # type: ignore[arg-type]
        topic_name=lambda t: t,
    )
    async with UnitOfWork(sessions)() as session:
        for _ in range(3):
            add_to_outbox(session, registered())
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    async with UnitOfWork(sessions)() as session:
        await session.exec(update(table).where(table.c.id <= 2).values(state=PARKED))  # type: ignore[call-overload]
    await relay._refresh_backlog()
    assert (
        sample("outbox_parked_rows", service="obs-parked"),
        sample("outbox_backlog", service="obs-parked"),
    ) == (
        2,
        1,
    )
    async with UnitOfWork(sessions)() as session:
        assert await redrive_parked(session) == 2
    relay._last_backlog_check = float("-inf")
    await relay._refresh_backlog()
    assert (
        sample("outbox_parked_rows", service="obs-parked"),
        sample("outbox_backlog", service="obs-parked"),
    ) == (
        0,
        3,
    )
    await engine.dispose()


# --------------------------------------------------------------------------- consumer


class FakeConsumer:
    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition("t", 0)}

    def highwater(self, tp: TopicPartition) -> int:
        return 1


def _record(sent_seconds_before_now: float, offset: int = 0) -> Any:
    envelope = CloudEvent.wrap(registered())
    envelope = envelope.model_copy(update={"time": DEFAULT_NOW - timedelta(seconds=sent_seconds_before_now)})
    return SimpleNamespace(
        value=envelope.to_bytes(), key=b"k", topic="t", partition=0, offset=offset, headers=[]
    )


async def _consumer(tmp_path: Path, service: str, handler: Any) -> tuple[EventConsumer, Any]:
    engine = await _sqlite(tmp_path, InboxMessage)
    consumer = EventConsumer(
        service=service,
        consumer=FakeConsumer(),  # type: ignore[arg-type]
        producer=None,  # type: ignore[arg-type]
        unit_of_work=UnitOfWork(create_sessions(engine)),
        subscriptions=Subscriptions({ProjectRegistered: handler}),
        group="g",
        dead_letter_topic="dlq",
        retry_backoff_s=0.0,
        clock=FixedClock(DEFAULT_NOW),
    )
    return consumer, engine


class Metrics:
    """Before/after reads of one service's consumer metrics for TYPE."""

    NAMES = (
        "event_end_to_end_latency_seconds_count",
        "event_end_to_end_latency_seconds_sum",
        "event_handler_duration_seconds_count",
        "event_handler_duration_seconds_sum",
    )

    def __init__(self, service: str) -> None:
        self.service = service
        self.before = self.read()

    def read(self) -> dict[str, float]:
        return {name: sample(name, service=self.service, type=TYPE) for name in self.NAMES}

    def delta(self) -> dict[str, float]:
        after = self.read()
        return {name: after[name] - self.before[name] for name in self.NAMES}


async def test_a_handled_event_records_its_end_to_end_latency_and_handler_run(tmp_path: Path) -> None:
    async def handler(session: Any, event: Any) -> None:
        return None

    consumer, engine = await _consumer(tmp_path, "obs-batch", handler)
    metrics = Metrics("obs-batch")
    await consumer.process_partition_batch([_record(3.0), _record(7.5, offset=1)])
    delta = metrics.delta()
    assert delta["event_end_to_end_latency_seconds_count"] == 2
    assert delta["event_end_to_end_latency_seconds_sum"] == 10.5  # 3 s + 7.5 s by the consumer's clock
    assert delta["event_handler_duration_seconds_count"] == 2
    assert 0 < delta["event_handler_duration_seconds_sum"] < 5
    latency_le_5 = sample("event_end_to_end_latency_seconds_bucket", service="obs-batch", type=TYPE, le="5.0")
    assert latency_le_5 >= 1  # the 3 s event lands in the 5 s bucket
    await engine.dispose()


async def test_a_duplicate_records_neither_latency_nor_a_handler_run(tmp_path: Path) -> None:
    async def handler(session: Any, event: Any) -> None:
        return None

    consumer, engine = await _consumer(tmp_path, "obs-duplicate", handler)
    record = _record(1.0)
    await consumer.process_partition_batch([record])
    metrics = Metrics("obs-duplicate")
    labels = {"service": "obs-duplicate", "type": TYPE, "outcome": "duplicate"}
    duplicates_before = sample("events_consumed_total", **labels)
    await consumer.process_partition_batch([record])  # redelivered: the inbox skips it
    assert metrics.delta() == dict.fromkeys(Metrics.NAMES, 0.0)
    assert sample("events_consumed_total", **labels) - duplicates_before == 1
    await engine.dispose()


async def test_a_failed_run_counts_as_a_handler_run_and_latency_is_observed_once(tmp_path: Path) -> None:
    runs: list[str] = []

    async def fails_once(session: Any, event: Any) -> None:
        runs.append(event.id)
        if len(runs) == 1:
            raise RuntimeError("transient")

    consumer, engine = await _consumer(tmp_path, "obs-retry", fails_once)
    metrics = Metrics("obs-retry")
    await consumer.process_partition_batch([_record(2.0)])  # the batch fails, the one-by-one run succeeds
    delta = metrics.delta()
    assert len(runs) == 2
    assert delta["event_handler_duration_seconds_count"] == 2  # the failed run took time too
    assert delta["event_end_to_end_latency_seconds_count"] == 1
    assert delta["event_end_to_end_latency_seconds_sum"] == 2.0
    await engine.dispose()


async def test_an_event_stamped_ahead_of_the_consumers_clock_counts_as_no_latency(tmp_path: Path) -> None:
    async def handler(session: Any, event: Any) -> None:
        return None

    consumer, engine = await _consumer(tmp_path, "obs-skew", handler)
    metrics = Metrics("obs-skew")
    await consumer.process_partition_batch([_record(-4.0)])  # the producer's clock runs 4 s ahead
    delta = metrics.delta()
    assert delta["event_end_to_end_latency_seconds_count"] == 1
    assert delta["event_end_to_end_latency_seconds_sum"] == 0.0
    await engine.dispose()

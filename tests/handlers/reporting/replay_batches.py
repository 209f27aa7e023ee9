"""Scenarios for the consumer's batch path over reporting's projections, shared by the SQLite
handler tests and the PostgreSQL integration tests (where the upserts are one JSON-fed statement
per batch and partition batches run in parallel).

Records are fed to `EventConsumer.process_partition_batch` / `run` through a fake Kafka consumer;
a fake producer keeps what is dead-lettered.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition
from sqlalchemy import func, select, text

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.models.projections import DistrictDay, DistrictMonth
from shared.bus.consumer import EventConsumer
from shared.contracts.envelope import CloudEvent
from shared.db import UnitOfWork
from tests.handlers.reporting.events import ERQI, JINSHUI, at, registered, shanghai

GROUP = "reporting-replay-test"


@dataclass
class FakeProducer:
    """Keeps dead-lettered records instead of sending them."""

    sent: list[tuple[str, bytes, dict[str, bytes]]] = field(default_factory=list)

    async def send_and_wait(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> None:
        self.sent.append((topic, value, dict(headers)))


class FakeKafka:
    """Serves prepared fetches from `getmany`, then nothing; records commits."""

    def __init__(self, fetches: list[dict[TopicPartition, list[Any]]]) -> None:
        self.fetches = list(fetches)
        self.commits: list[dict[TopicPartition, int]] = []
        self.assigned = {tp for fetch in fetches for tp in fetch}

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int = 0) -> Any:
        if partitions:  # the parallel path asks per partition for what is buffered: nothing more here
            return {}
        if self.fetches:
            return self.fetches.pop(0)
        await asyncio.sleep(timeout_ms / 1000)
        return {}

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))

    def highwater(self, tp: TopicPartition) -> int:
        return 0


def record(envelope: CloudEvent | bytes, offset: int, partition: int = 0) -> Any:
    """A consumer record as aiokafka gives it (only the fields the consumer reads)."""
    value = envelope if isinstance(envelope, bytes) else envelope.to_bytes()
    return SimpleNamespace(
        value=value, key=b"k", topic="registry.events", partition=partition, offset=offset, headers=[]
    )


def consumer(unit_of_work: UnitOfWork, kafka: Any = None, **kw: Any) -> tuple[EventConsumer, FakeProducer]:
    producer = FakeProducer()
    return (
        EventConsumer(
            service="reporting",
            consumer=kafka,
            producer=producer,  # type: ignore[arg-type]
            unit_of_work=unit_of_work,
            subscriptions=SUBSCRIPTIONS,
            group=GROUP,
            dead_letter_topic="reporting.dlq",
            retry_backoff_s=0.01,
            **kw,
        ),
        producer,
    )


async def registered_figures(
    unit_of_work: UnitOfWork, table: Any = DistrictDay
) -> dict[str, tuple[int, int]]:
    """(registered projects, registered investment) per district, summed over the table's rows."""
    t = table.__table__
    async with unit_of_work() as session:
        rows = await session.exec(  # type: ignore[call-overload]
            select(
                t.c.district_code, func.sum(t.c.registered_projects), func.sum(t.c.registered_investment_fen)
            ).group_by(t.c.district_code)
        )
        return {row[0]: (int(row[1]), int(row[2])) for row in rows}


async def inbox_rows(unit_of_work: UnitOfWork) -> int:
    async with unit_of_work() as session:
        result = await session.exec(text("SELECT count(*) FROM inbox_message"))  # type: ignore[call-overload]
        return int(result.scalar_one())


def events(n: int, district: str = JINSHUI, day: int = 20) -> list[CloudEvent]:
    """N registrations with investments 1..n fen, on one day (so they share one row)."""
    return [at(registered(district, investment_fen=i), shanghai(2026, 11, day)) for i in range(1, n + 1)]


async def duplicates_within_and_across_batches_count_once(unit_of_work: UnitOfWork) -> None:
    a, b, c = events(3)
    running, producer = consumer(unit_of_work)
    one_by_one: list[str] = []
    batch_by_batch = running._handle_with_retries

    async def noted(item: Any, *args: Any) -> None:
        one_by_one.append(item.event.id)
        await batch_by_batch(item, *args)

    running._handle_with_retries = noted  # type: ignore[method-assign]
    await running.process_partition_batch([record(a, 0), record(b, 1), record(a, 2)])
    await running.process_partition_batch([record(b, 3), record(c, 4), record(c, 5)])
    await running.process_partition_batch([record(a, 0), record(b, 1), record(a, 2)])  # re-delivered
    assert one_by_one == []  # a batch with events handled before is claimed again whole, not one by one
    assert await registered_figures(unit_of_work) == {JINSHUI: (3, 1 + 2 + 3)}
    assert await registered_figures(unit_of_work, DistrictMonth) == {JINSHUI: (3, 1 + 2 + 3)}
    assert await inbox_rows(unit_of_work) == 3
    assert producer.sent == []


async def a_poison_event_in_a_batch_is_dead_lettered_alone(unit_of_work: UnitOfWork) -> None:
    good = events(4)
    poison = at(registered(investment_fen=2**63 - 1), shanghai(2026, 11, 20))  # above the money ceiling
    malformed = b'{"specversion": "1.0", "id": "x"}'
    batch = [
        record(good[0], 0),
        record(poison, 1),
        record(good[1], 2),
        record(malformed, 3),
        record(good[2], 4),
    ]
    running, producer = consumer(unit_of_work)
    await running.process_partition_batch(batch)
    await running.process_partition_batch([record(good[3], 5), record(good[1], 6)])
    assert await registered_figures(unit_of_work) == {JINSHUI: (4, 1 + 2 + 3 + 4)}
    reasons = [(value, headers["dlq.reason"].decode()) for _, value, headers in producer.sent]
    assert reasons == [(malformed, "malformed"), (poison.to_bytes(), "permanent")]
    assert await inbox_rows(unit_of_work) == 4  # the poison event left no inbox row


async def partitions_fetched_together_each_count_once(unit_of_work: UnitOfWork, parallel: int) -> None:
    """Two partitions in one fetch (handled at once when `parallel` > 1), re-delivered in a second
    fetch, with days and districts spread so each batch writes many rows."""
    p0, p1 = TopicPartition("registry.events", 0), TopicPartition("registry.events", 1)
    first = [e for day in range(1, 11) for e in events(5, JINSHUI, day)]
    second = [e for day in range(1, 11) for e in events(5, ERQI, day)]
    fetch = {
        p0: [record(e, i, 0) for i, e in enumerate(first)],
        p1: [record(e, i, 1) for i, e in enumerate(second)],
    }
    kafka = FakeKafka([fetch, fetch])
    running, producer = consumer(unit_of_work, kafka, parallel_partitions=parallel)
    task = asyncio.create_task(running.run())
    try:
        for _ in range(500):
            if len(kafka.commits) >= 2:
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert kafka.commits[:2] == [{p0: 50, p1: 50}] * 2
    per_district = (50, 10 * (1 + 2 + 3 + 4 + 5))
    assert await registered_figures(unit_of_work) == {JINSHUI: per_district, ERQI: per_district}
    assert await registered_figures(unit_of_work, DistrictMonth) == {
        JINSHUI: per_district,
        ERQI: per_district,
    }
    async with unit_of_work() as session:
        days = (await session.exec(select(func.count()).select_from(DistrictDay.__table__))).scalar_one()  # type: ignore[call-overload,attr-defined]
    assert days == 20
    assert await inbox_rows(unit_of_work) == 100
    assert producer.sent == []

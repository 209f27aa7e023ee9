"""The consumer's loop: what it fetches, which batches run side by side, what it commits.

aiokafka fills a `getmany` from one partition while that partition has records, so to give the
parallel path more than one batch the consumer tops a fetch up from the other assigned
partitions' buffers (without waiting), in partition order, until it holds `parallel_partitions`
batches. On PostgreSQL four partitions' batches run at once; on SQLite (one writer) one at a time.
After a fetch's batches are stored, each partition's next offset is committed and its lag set.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError
from sqlalchemy.ext.asyncio import create_async_engine

from shared.bus.consumer import EventConsumer
from shared.bus.subscriptions import Subscriptions
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.handlers.bus.consumer_fakes import metric, new_service

TOPIC = "registry.events"
TP = [TopicPartition(TOPIC, n) for n in range(6)]


class StopConsuming(Exception):
    """Ends `run()` at the second fetch."""


def _records(tp: TopicPartition, *offsets: int) -> list[Any]:
    return [SimpleNamespace(topic=tp.topic, partition=tp.partition, offset=o) for o in offsets]


class FakeKafka:
    """The aiokafka consumer surface `run()` uses: getmany, assignment, commit, highwater.

    Args:
        fetched: what the first plain `getmany()` returns; the second one stops the loop.
        buffered: what asking one partition with `getmany(tp, timeout_ms=0)` returns.
    """

    def __init__(
        self,
        fetched: dict[TopicPartition, list[Any]],
        buffered: dict[TopicPartition, list[Any]] | None = None,
        assigned: list[TopicPartition] | None = None,
        highwater: dict[TopicPartition, int | None] | None = None,
        commit_error: Exception | None = None,
    ) -> None:
        self.fetched = fetched
        self.buffered = buffered or {}
        self.assigned = set(assigned if assigned is not None else TP)
        self.highwaters = highwater or {}
        self.commit_error = commit_error
        self.calls: list[tuple[tuple[TopicPartition, ...], int, int]] = []
        self.commits: list[dict[TopicPartition, int]] = []
        self.fetches = 0

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int = 0) -> Any:
        if not partitions:
            self.fetches += 1
            if self.fetches > 1:
                raise StopConsuming
        self.calls.append((partitions, timeout_ms, max_records))
        if not partitions:
            return dict(self.fetched)
        return {tp: self.buffered[tp] for tp in partitions if tp in self.buffered}

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.commit_error is not None:
            raise self.commit_error
        self.commits.append(dict(offsets))

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.highwaters.get(tp)


class Batches:
    """Stands in for `process_partition_batch`: notes when each partition's batch starts and ends."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    async def __call__(self, records: list[Any]) -> None:
        self.events.append(("start", records[0].partition))
        await asyncio.sleep(0)  # lets another partition's batch start, if one runs alongside
        self.events.append(("end", records[0].partition))

    @property
    def partitions(self) -> list[int]:
        return [p for what, p in self.events if what == "start"]


@pytest.fixture
async def sqlite_unit_of_work(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    yield UnitOfWork(create_sessions(engine))
    await engine.dispose()


@pytest.fixture
async def postgresql_unit_of_work() -> AsyncIterator[UnitOfWork]:
    engine = create_async_engine("postgresql+psycopg://nobody@127.0.0.1:9/never")  # never connects
    yield UnitOfWork(create_sessions(engine))
    await engine.dispose()


async def _run(kafka: FakeKafka, unit_of_work: Any = None, service: str = "t", **options: Any) -> Batches:
    consumer = EventConsumer(
        service=service,
        consumer=kafka,  # type: ignore[arg-type]
        producer=None,  # type: ignore[arg-type]
        unit_of_work=unit_of_work,
        subscriptions=Subscriptions({}),
        group="g",
        dead_letter_topic="dlq",
        **options,
    )
    batches = Batches()
    consumer.process_partition_batch = batches  # type: ignore[method-assign]
    with pytest.raises(StopConsuming):
        await consumer.run()
    return batches


class TestOnePartitionAtATime:
    async def test_a_fetch_waits_half_a_second_for_up_to_batch_size_records(self) -> None:
        kafka = FakeKafka({TP[0]: _records(TP[0], 3, 4)}, buffered={TP[1]: _records(TP[1], 0)})
        batches = await _run(kafka, parallel_partitions=1, batch_size=50)
        assert kafka.calls == [((), 500, 50)]
        assert batches.partitions == [0]
        assert kafka.commits == [{TP[0]: 5}]

    async def test_by_default_a_fetch_asks_for_five_hundred_records(self) -> None:
        kafka = FakeKafka({TP[0]: _records(TP[0], 0)})
        await _run(kafka, parallel_partitions=1)
        assert kafka.calls == [((), 500, 500)]

    async def test_two_partitions_batches_run_one_after_the_other(self) -> None:
        kafka = FakeKafka({TP[0]: _records(TP[0], 0), TP[1]: _records(TP[1], 8, 9)})
        batches = await _run(kafka, parallel_partitions=1)
        assert batches.events == [("start", 0), ("end", 0), ("start", 1), ("end", 1)]
        assert kafka.commits == [{TP[0]: 1, TP[1]: 10}]

    async def test_on_sqlite_partitions_are_handled_one_at_a_time_by_default(
        self, sqlite_unit_of_work: UnitOfWork
    ) -> None:
        kafka = FakeKafka({TP[0]: _records(TP[0], 0)}, buffered={tp: _records(tp, 0) for tp in TP[1:]})
        batches = await _run(kafka, sqlite_unit_of_work)
        assert batches.partitions == [0]
        assert len(kafka.calls) == 1


class TestPartitionsSideBySide:
    async def test_a_fetch_is_topped_up_from_other_partitions_buffers_in_partition_order(self) -> None:
        kafka = FakeKafka(
            {TP[2]: _records(TP[2], 5)},
            buffered={TP[0]: _records(TP[0], 1), TP[3]: _records(TP[3], 7), TP[4]: _records(TP[4], 0)},
        )
        batches = await _run(kafka, parallel_partitions=3, batch_size=20)
        # TP[1] has nothing buffered, TP[2] was fetched already, TP[4] is one too many.
        assert kafka.calls == [((), 500, 20), ((TP[0],), 0, 20), ((TP[1],), 0, 20), ((TP[3],), 0, 20)]
        assert sorted(batches.partitions) == [0, 2, 3]
        assert kafka.commits == [{TP[2]: 6, TP[0]: 2, TP[3]: 8}]

    async def test_two_partitions_batches_run_at_once(self) -> None:
        kafka = FakeKafka({TP[0]: _records(TP[0], 0)}, buffered={TP[1]: _records(TP[1], 0)})
        batches = await _run(kafka, parallel_partitions=2)
        assert batches.events == [("start", 0), ("start", 1), ("end", 0), ("end", 1)]

    async def test_an_empty_fetch_does_not_ask_each_partition(self) -> None:
        kafka = FakeKafka({}, buffered={tp: _records(tp, 0) for tp in TP})
        batches = await _run(kafka, parallel_partitions=3)
        assert kafka.calls == [((), 500, 500)]
        assert batches.events == [] and kafka.commits == []

    async def test_on_postgresql_four_partitions_run_at_once_by_default(
        self, postgresql_unit_of_work: UnitOfWork
    ) -> None:
        kafka = FakeKafka({TP[0]: _records(TP[0], 0)}, buffered={tp: _records(tp, 0) for tp in TP[1:]})
        batches = await _run(kafka, postgresql_unit_of_work)
        assert sorted(batches.partitions) == [0, 1, 2, 3]
        assert batches.events[:4] == [("start", 0), ("start", 1), ("start", 2), ("start", 3)]


class TestCommit:
    async def test_each_partitions_lag_is_what_remains_behind_its_high_water_mark(self) -> None:
        service = new_service()
        kafka = FakeKafka(
            {TP[3]: _records(TP[3], 3)},
            buffered={TP[4]: _records(TP[4], 9), TP[5]: _records(TP[5], 0)},
            highwater={TP[3]: 10, TP[4]: 7, TP[5]: None},
        )
        await _run(kafka, service=service, parallel_partitions=3)
        assert metric("consumer_lag", service=service, topic=TOPIC, partition="3") == 6
        assert metric("consumer_lag", service=service, topic=TOPIC, partition="4") == 0
        assert metric("consumer_lag", service=service, topic=TOPIC, partition="5") is None

    async def test_a_commit_refused_mid_rebalance_is_logged_and_sets_no_lag(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        service = new_service()
        refusal = CommitFailedError("group rebalancing")
        kafka = FakeKafka({TP[0]: _records(TP[0], 0)}, highwater={TP[0]: 5}, commit_error=refusal)
        with caplog.at_level(logging.INFO, logger="shared.bus.consumer"):
            await _run(kafka, service=service, parallel_partitions=1)
        assert metric("consumer_lag", service=service, topic=TOPIC, partition="0") is None
        assert [r.getMessage() for r in caplog.records if r.name == "shared.bus.consumer"] == [
            f"offsets not committed during a rebalance ({refusal}); the inbox covers it"
        ]

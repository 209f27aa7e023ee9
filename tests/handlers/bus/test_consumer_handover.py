"""The consumer's part in a rebalance (shared/bus/handover.py) and its lag sampling, with a fake
aiokafka consumer: a revocation waits (bounded) for the fetch in hand, then forgets the revoked
partitions' pause, commit and lag; the lag is read from the broker's end offsets against what was
committed. The real-broker proof is tests/integration/test_consumer_handover.py."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from shared.bus.consumer import EventConsumer
from shared.bus.handover import Handover
from tests.handlers.bus.consumer_fakes import bare_consumer

KEPT = TopicPartition("handover.t", 0)
MOVED = TopicPartition("handover.t", 1)
FRESH = TopicPartition("handover.t", 2)


class FakeConsumer:
    """Answers what `sample_lag` and `_commit` ask: the assignment, end, committed and first offsets."""

    def __init__(self, assigned: set[TopicPartition]) -> None:
        self.assigned = assigned
        self.ends: dict[TopicPartition, int] = {}
        self.broker_committed: dict[TopicPartition, int | None] = {}
        self.beginnings: dict[TopicPartition, int] = {}
        self.commits: list[dict[TopicPartition, int]] = []
        self.fetches = 0
        self.samples = 0
        self.sampled_twice = asyncio.Event()

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        self.samples += 1
        if self.samples >= 2:
            self.sampled_twice.set()
        return {tp: self.ends[tp] for tp in partitions}

    async def committed(self, tp: TopicPartition) -> int | None:
        return self.broker_committed.get(tp)

    async def beginning_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.beginnings[tp] for tp in partitions}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))

    def highwater(self, tp: TopicPartition) -> int:
        return self.ends.get(tp, 0)

    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, **options: Any
    ) -> dict[Any, Any]:
        self.fetches += 1
        await asyncio.sleep(timeout_ms / 1000)
        return {}


def _consumer(fake: FakeConsumer, service: str, **options: Any) -> EventConsumer:
    return bare_consumer(fake, service, **options)


def _lag(service: str, tp: TopicPartition) -> float | None:
    labels = {"service": service, "topic": tp.topic, "partition": str(tp.partition)}
    return REGISTRY.get_sample_value("consumer_lag", labels)


async def test_the_lag_is_the_end_offset_less_the_commit_else_the_groups_else_the_first_offset() -> None:
    fake = FakeConsumer({KEPT, MOVED, FRESH})
    fake.ends = {KEPT: 50, MOVED: 40, FRESH: 30}
    fake.broker_committed = {MOVED: 35}
    fake.beginnings = {FRESH: 10}
    consumer = _consumer(fake, "lag-sample")
    await consumer._commit({KEPT: 45})  # committed by this replica: 5 behind
    fake.ends[KEPT] = 60  # records arrive; nothing is committed (an outage)
    await consumer.sample_lag()
    assert (_lag("lag-sample", KEPT), _lag("lag-sample", MOVED), _lag("lag-sample", FRESH)) == (15, 5, 20)


async def test_a_replica_with_no_partitions_samples_nothing() -> None:
    fake = FakeConsumer(set())
    await _consumer(fake, "lag-none").sample_lag()
    assert _lag("lag-none", KEPT) is None


async def test_the_lag_is_sampled_every_interval_while_the_consumer_runs() -> None:
    fake = FakeConsumer({KEPT})
    fake.ends, fake.broker_committed = {KEPT: 7}, {KEPT: 3}
    consumer = _consumer(fake, "lag-loop", lag_interval_s=0.01)
    task = asyncio.create_task(consumer.run())  # its fetches find nothing (a stuck partition)
    try:
        await asyncio.wait_for(fake.sampled_twice.wait(), timeout=10)  # the first sample is complete
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert fake.fetches and _lag("lag-loop", KEPT) == 4


async def test_a_revocation_waits_for_the_fetch_in_hand_then_forgets_the_partition() -> None:
    fake = FakeConsumer({KEPT, MOVED})
    fake.ends = {KEPT: 10, MOVED: 10}
    handover = Handover()
    consumer = _consumer(fake, "handover-wait", handover=handover)
    await consumer._commit({KEPT: 8, MOVED: 9})
    consumer._paused = {KEPT, MOVED}
    consumer._idle.clear()  # a fetch is being handled

    revoking = asyncio.create_task(handover.on_partitions_revoked({MOVED}))
    await asyncio.sleep(0.05)
    assert not revoking.done()  # the group waits while the batch is stored and committed
    consumer._idle.set()
    await asyncio.wait_for(revoking, timeout=1)

    assert consumer._paused == {KEPT}
    assert set(consumer._committed) == {KEPT}
    assert _lag("handover-wait", MOVED) is None  # the new owner reports it now
    assert _lag("handover-wait", KEPT) == 2


async def test_a_batch_that_outlasts_the_handover_timeout_is_left_to_the_new_owner(caplog) -> None:  # type: ignore[no-untyped-def]
    fake = FakeConsumer({MOVED})
    handover = Handover()
    consumer = _consumer(fake, "handover-late", handover=handover, handover_timeout_s=0.02)
    consumer._idle.clear()  # e.g. an event waiting out a database outage
    with caplog.at_level(logging.WARNING, logger="shared.bus.consumer"):
        await asyncio.wait_for(handover.on_partitions_revoked({MOVED}), timeout=1)
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "handover-late hands over [TopicPartition(topic='handover.t', partition=1)] with a batch still "
        "in hand; the new owner's inbox skips what is stored"
    ]


class Owner:
    def __init__(self) -> None:
        self.revoked: list[set[TopicPartition]] = []
        self.assigned: list[set[TopicPartition]] = []

    async def hand_over(self, revoked: set[TopicPartition]) -> None:
        self.revoked.append(revoked)

    def take_over(self, assigned: set[TopicPartition]) -> None:
        self.assigned.append(assigned)


async def test_the_listener_does_nothing_until_bound_and_skips_an_empty_revocation() -> None:
    handover = Handover()
    await handover.on_partitions_revoked({KEPT})  # no owner yet: nothing to do, no error
    await handover.on_partitions_assigned({KEPT})
    owner = Owner()
    handover.bind(owner)
    await handover.on_partitions_revoked(set())  # the first join revokes nothing
    await handover.on_partitions_revoked(frozenset({MOVED}))  # type: ignore[arg-type]
    await handover.on_partitions_assigned(frozenset({KEPT}))  # type: ignore[arg-type]
    assert owner.revoked == [{MOVED}] and owner.assigned == [{KEPT}]
    assert all(type(s) is set for s in owner.revoked + owner.assigned)


async def test_make_consumer_subscribes_with_the_handover() -> None:
    from shared.bus.kafka import make_consumer

    handover = Handover()
    consumer = make_consumer("127.0.0.1:1", "g", ["handover.t"], "c", handover=handover)
    plain = make_consumer("127.0.0.1:1", "g", ["handover.t"], "c")
    assert consumer._subscription.listener is handover and plain._subscription.listener is None
    try:
        assert consumer.subscription() == plain.subscription() == frozenset({"handover.t"})
    finally:
        await consumer.stop()  # never started: nothing to leave, but no unclosed-client warning
        await plain.stop()


async def test_a_partition_caught_up_has_no_lag_and_one_never_reported_is_given_up_quietly(caplog) -> None:  # type: ignore[no-untyped-def]
    fake = FakeConsumer({KEPT, MOVED})
    fake.ends, fake.broker_committed = {KEPT: 12, MOVED: 3}, {KEPT: 12, MOVED: 3}
    consumer = _consumer(fake, "handover-quiet")
    await consumer.sample_lag()
    assert _lag("handover-quiet", KEPT) == 0
    fake.assigned = {KEPT}
    with caplog.at_level(logging.INFO, logger="shared.bus.consumer"):
        await consumer.hand_over({FRESH})  # never assigned here, so no gauge to remove
    assert [r.getMessage() for r in caplog.records] == [
        "handover-quiet gave up partitions [TopicPartition(topic='handover.t', partition=2)]"
    ]


async def test_a_stopped_consumer_leaves_no_lag_sampler_running() -> None:
    fake = FakeConsumer({KEPT})
    fake.ends, fake.broker_committed = {KEPT: 1}, {KEPT: 1}
    consumer = _consumer(fake, "lag-stop", lag_interval_s=0.01)
    task = asyncio.create_task(consumer.run())
    await asyncio.wait_for(fake.sampled_twice.wait(), timeout=10)
    samplers = [t for t in asyncio.all_tasks() if t.get_name() == "lag-stop-lag"]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(samplers) == 1 and samplers[0].done()

"""The consumer's offset commit across a rebalance, with a fake aiokafka consumer.

A partition revoked while its batch was being handled must not crash the consumer (which would
only start another rebalance); the new owner re-reads from the last commit and the inbox skips
what was stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from shared.bus.consumer import EventConsumer
from shared.bus.subscriptions import Subscriptions

KEPT = TopicPartition("t", 0)
REVOKED = TopicPartition("t", 1)


class FakeConsumer:
    def __init__(self, assigned: set[TopicPartition], error: Exception | None = None) -> None:
        self.assigned = assigned
        self.error = error
        self.commits: list[dict[TopicPartition, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.error is not None:
            raise self.error
        self.commits.append(dict(offsets))

    def highwater(self, tp: TopicPartition) -> int:
        return 10


def _consumer(fake: FakeConsumer) -> EventConsumer:
    return EventConsumer(
        service="test",
        consumer=fake,  # type: ignore[arg-type]
        producer=None,  # type: ignore[arg-type]
        unit_of_work=None,  # type: ignore[arg-type]
        subscriptions=Subscriptions({}),
        group="g",
        dead_letter_topic="dlq",
    )


async def test_only_partitions_still_assigned_are_committed() -> None:
    fake = FakeConsumer({KEPT})
    await _consumer(fake)._commit({KEPT: 5, REVOKED: 7})
    assert fake.commits == [{KEPT: 5}]


async def test_nothing_is_committed_when_every_partition_was_revoked() -> None:
    fake = FakeConsumer(set())
    await _consumer(fake)._commit({REVOKED: 7})
    assert fake.commits == []


@pytest.mark.parametrize("error", [CommitFailedError("rebalancing"), IllegalStateError("not assigned")])
async def test_a_commit_refused_mid_rebalance_does_not_crash_the_consumer(error: Any) -> None:
    fake = FakeConsumer({KEPT}, error)
    await _consumer(fake)._commit({KEPT: 5})  # must not raise
    assert fake.commits == []


async def test_other_commit_errors_still_raise() -> None:
    fake = FakeConsumer({KEPT}, RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        await _consumer(fake)._commit({KEPT: 5})

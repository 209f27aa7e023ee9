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


async def test_a_handler_run_that_hangs_is_cut_off_and_retried_not_left_holding_the_partition(
    tmp_path: Any,
) -> None:
    """A connection that hangs through a database restart must not stall the partition for ever:
    the run is cancelled after `handler_timeout_s` and retried as an infrastructure failure."""
    import asyncio
    import uuid
    from types import SimpleNamespace

    from shared.bus.inbox import InboxMessage
    from shared.contracts.envelope import CloudEvent
    from shared.contracts.registry import ProjectRegistered
    from shared.db import UnitOfWork, create_engine, create_sessions

    engine = create_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(InboxMessage.metadata.create_all, tables=[InboxMessage.__table__])  # type: ignore[attr-defined]
    runs: list[str] = []

    async def hangs_once(session: Any, event: Any) -> None:
        runs.append(event.id)
        if len(runs) <= 2:  # the batch run and the first one-by-one run hang
            await asyncio.sleep(3600)

    payload = ProjectRegistered(
        project_id=uuid.uuid4(),
        community_id=uuid.uuid4(),
        district_code="zz-jinshui",
        programme_code="zhengzhou-2019",
        name="整治",
        investment_fen=100,
    )
    record = SimpleNamespace(
        value=CloudEvent.wrap(payload).to_bytes(), key=b"k", topic="t", partition=0, offset=0, headers=[]
    )
    consumer = EventConsumer(
        service="test",
        consumer=FakeConsumer({KEPT}),  # type: ignore[arg-type]
        producer=None,  # type: ignore[arg-type]
        unit_of_work=UnitOfWork(create_sessions(engine)),
        subscriptions=Subscriptions({ProjectRegistered: hangs_once}),
        group="g",
        dead_letter_topic="dlq",
        retry_backoff_s=0.01,
        handler_timeout_s=0.2,
    )
    await asyncio.wait_for(consumer.process_partition_batch([record]), timeout=10)  # type: ignore[list-item]
    assert len(runs) == 3, "two runs cut off, the third one stored"
    async with engine.connect() as conn:
        from sqlalchemy import text

        stored = (await conn.execute(text("SELECT count(*) FROM inbox_message"))).scalar_one()
    assert stored == 1
    await engine.dispose()

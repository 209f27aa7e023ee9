"""The consumer's offset commit across a rebalance, and runs cut off at its deadline, with a fake
aiokafka consumer and producer (the inbox on a real SQLite file).

A partition revoked while its batch was being handled must not crash the consumer (which would
only start another rebalance); the new owner re-reads from the last commit and the inbox skips
what was stored. A run past `handler_timeout_s` is cut off; it counts toward dead-lettering only
when the database answers (the handler is what is slow), never during an outage.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from sqlalchemy import text

from shared.bus.consumer import EventConsumer
from shared.bus.inbox import InboxMessage
from shared.bus.subscriptions import Subscriptions
from shared.contracts.dead_letter import EXHAUSTED
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectRegistered
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.handlers.bus.consumer_fakes import bare_consumer

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

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused = set(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused = set()

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int = 0) -> dict[Any, Any]:
        return {}


def _consumer(fake: FakeConsumer) -> EventConsumer:
    return bare_consumer(fake)


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


class FakeProducer:
    """Records what the consumer dead-letters."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []

    async def send_and_wait(self, topic: str, value: bytes, key: Any, headers: Any) -> None:
        self.sent.append((topic, {k: v.decode() for k, v in headers}))


@pytest.fixture
async def inbox_work(tmp_path: Any) -> AsyncIterator[tuple[UnitOfWork, Any]]:
    """A unit of work on a SQLite file holding the inbox table, and its engine."""
    engine = create_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(InboxMessage.metadata.create_all, tables=[InboxMessage.__table__])  # type: ignore[attr-defined]
    yield UnitOfWork(create_sessions(engine)), engine
    await engine.dispose()


def _record() -> Any:
    payload = ProjectRegistered(
        project_id=uuid.uuid4(),
        community_id=uuid.uuid4(),
        district_code="zz-jinshui",
        programme_code="zhengzhou-2019",
        name="整治",
        investment_fen=100,
    )
    return SimpleNamespace(
        value=CloudEvent.wrap(payload).to_bytes(), key=b"k", topic="t", partition=0, offset=0, headers=[]
    )


def _hanging_consumer(
    work: UnitOfWork,
    handler: Callable[[Any, Any], Awaitable[None]],
    producer: FakeProducer | None = None,
    probe: Callable[[], Awaitable[object]] | None = None,
) -> EventConsumer:
    return EventConsumer(
        service="test",
        consumer=FakeConsumer({KEPT}),  # type: ignore[arg-type]
        producer=producer,  # type: ignore[arg-type]
        unit_of_work=work,
        subscriptions=Subscriptions({ProjectRegistered: handler}),
        group="g",
        dead_letter_topic="dlq",
        retry_backoff_s=0.01,
        handler_timeout_s=0.2,
        max_attempts=3,
        database_probe=probe,
    )


async def _stored(engine: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM inbox_message"))).scalar_one())


async def test_a_handler_run_that_hangs_is_cut_off_and_retried_not_left_holding_the_partition(
    inbox_work: tuple[UnitOfWork, Any],
) -> None:
    """A connection that hangs through a database restart must not stall the partition for ever:
    the run is cancelled after `handler_timeout_s` and retried."""
    work, engine = inbox_work
    runs: list[str] = []

    async def hangs_twice(session: Any, event: Any) -> None:
        runs.append(event.id)
        if len(runs) <= 2:  # the batch run and the first one-by-one run hang
            await asyncio.sleep(3600)

    consumer = _hanging_consumer(work, hangs_twice)
    await asyncio.wait_for(consumer.process_partition_batch([_record()]), timeout=10)
    assert len(runs) == 3, "two runs cut off, the third one stored"
    assert await _stored(engine) == 1


async def test_a_handler_that_never_finishes_while_the_database_answers_is_dead_lettered(
    inbox_work: tuple[UnitOfWork, Any],
) -> None:
    work, engine = inbox_work
    runs: list[str] = []

    async def never_finishes(session: Any, event: Any) -> None:
        runs.append(event.id)
        await asyncio.sleep(3600)

    producer = FakeProducer()
    consumer = _hanging_consumer(work, never_finishes, producer)
    await asyncio.wait_for(consumer.process_partition_batch([_record()]), timeout=10)
    assert len(runs) == 3  # max_attempts runs (the batch run included), then the dead-letter topic
    ((topic, headers),) = producer.sent
    assert topic == "dlq"
    assert headers["dlq.reason"] == EXHAUSTED and headers["dlq.attempts"] == "3"
    assert headers["dlq.error.class"] == "HandlerDeadlineExceeded"
    assert "ran past 0.2s" in headers["dlq.error.message"]
    assert await _stored(engine) == 0


async def test_runs_past_the_deadline_during_a_database_outage_are_waited_out_not_dead_lettered(
    inbox_work: tuple[UnitOfWork, Any],
) -> None:
    work, engine = inbox_work
    runs: list[str] = []
    probes: list[int] = []

    async def hangs_while_down(session: Any, event: Any) -> None:
        runs.append(event.id)
        if len(probes) < 6:
            await asyncio.sleep(3600)

    async def database_down_for_six_probes() -> None:
        probes.append(1)
        if len(probes) <= 6:
            raise ConnectionRefusedError("the database is restarting")

    producer = FakeProducer()
    consumer = _hanging_consumer(work, hangs_while_down, producer, database_down_for_six_probes)
    await asyncio.wait_for(consumer.process_partition_batch([_record()]), timeout=20)
    assert len(runs) == 7 > 3  # more runs than max_attempts: none counted while the database was down
    assert producer.sent == []
    assert await _stored(engine) == 1

"""Bounded retries then dead-letter, with the shared consumer on the real broker and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from prometheus_client import REGISTRY
from sqlalchemy.exc import OperationalError

from shared.bus.consumer import EventConsumer
from shared.bus.errors import PermanentError, RetryableError
from shared.bus.kafka import ensure_topics, make_consumer, make_producer
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.contracts.registry import ProjectAccepted
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from tests.support.db import scalar
from tests.support.events import project_accepted
from tests.support.kafka_io import headers_of, produce_raw, read_topic
from tests.support.servers import eventually

MIGRATIONS = Path(__file__).parents[2] / "services" / "reporting" / "migrations"
MAX_ATTEMPTS = 3


async def _run_consumer(platform, handler, **options):  # type: ignore[no-untyped-def]
    bootstrap = platform.kafka.bootstrap_servers
    topic, dlq, group = platform.topic("retry.events"), platform.topic("retry.dlq"), platform.prefix + "retry"
    url = platform.database_url("retry")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    await ensure_topics(bootstrap, [topic, dlq], partitions=1)
    engine = create_engine(url)
    producer = make_producer(bootstrap, "retry-test")
    kafka_consumer = make_consumer(bootstrap, group, [topic], "retry-test")
    await producer.start()
    await kafka_consumer.start()
    consumer = EventConsumer(
        service="retry-test",
        consumer=kafka_consumer,
        producer=producer,
        unit_of_work=UnitOfWork(create_sessions(engine)),
        subscriptions=Subscriptions({ProjectAccepted: handler}),
        group=group,
        dead_letter_topic=dlq,
        max_attempts=MAX_ATTEMPTS,
        retry_backoff_s=0.01,
        **options,
    )
    task = asyncio.create_task(consumer.run())

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await kafka_consumer.stop()
        await producer.stop()
        await engine.dispose()

    return topic, dlq, group, url, stop


async def test_a_handler_that_keeps_failing_is_dead_lettered_and_later_events_still_flow(platform) -> None:  # type: ignore[no-untyped-def]
    poison, fine = project_accepted(), project_accepted()
    calls: dict[str, int] = {poison.id: 0, fine.id: 0}

    async def handler(session, event: ReceivedEvent) -> None:  # type: ignore[no-untyped-def]
        calls[event.id] += 1
        if event.id == poison.id:
            raise RetryableError("the finance ledger is locked")

    topic, dlq, group, url, stop = await _run_consumer(platform, handler)
    try:
        await produce_raw(
            platform.kafka.bootstrap_servers, topic, [poison.to_bytes(), fine.to_bytes()], key=b"k"
        )
        (dead,) = await read_topic(platform.kafka.bootstrap_servers, dlq, 1)
        handled = await eventually(
            lambda: scalar(url, "SELECT count(*) FROM inbox_message WHERE event_id = :id", id=fine.id)
        )
    finally:
        await stop()

    headers = headers_of(dead)
    assert dead.value == poison.to_bytes(), "the dead letter keeps the original event byte for byte"
    assert headers["dlq.reason"] == "retries_exhausted"
    assert headers["dlq.attempts"] == str(MAX_ATTEMPTS)
    assert headers["dlq.error.class"] == "RetryableError"
    assert headers["dlq.error.message"] == "the finance ledger is locked"
    assert handled == 1
    assert calls[fine.id] >= 1
    # "attempts" means handler runs: the try in the batch counts, so the handler ran exactly as
    # often as the dead letter says
    assert calls[poison.id] == MAX_ATTEMPTS
    assert await scalar(url, "SELECT count(*) FROM inbox_message WHERE event_id = :id", id=poison.id) == 0


async def test_a_permanent_error_is_dead_lettered_without_retrying(platform) -> None:  # type: ignore[no-untyped-def]
    broken = project_accepted()
    calls = 0

    async def handler(session, event: ReceivedEvent) -> None:  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        raise PermanentError("programme has no award rule")

    topic, dlq, group, url, stop = await _run_consumer(platform, handler)
    try:
        await produce_raw(platform.kafka.bootstrap_servers, topic, [broken.to_bytes()], key=b"k")
        (dead,) = await read_topic(platform.kafka.bootstrap_servers, dlq, 1)
    finally:
        await stop()
    assert headers_of(dead)["dlq.reason"] == "permanent"
    assert headers_of(dead)["dlq.attempts"] == "1"
    assert calls == 1  # the batch try raised a permanent error: dead-lettered without running again


async def test_a_database_outage_is_retried_past_the_attempt_limit_and_never_dead_lettered(platform) -> None:  # type: ignore[no-untyped-def]
    """Infrastructure errors (here the driver's OperationalError, as during a failover) are not the
    event's fault: the consumer keeps retrying beyond MAX_ATTEMPTS until the database is back."""
    event = project_accepted()
    failures_left = MAX_ATTEMPTS * 2
    calls = 0

    async def handler(session, received: ReceivedEvent) -> None:  # type: ignore[no-untyped-def]
        nonlocal failures_left, calls
        calls += 1
        if failures_left:
            failures_left -= 1
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    topic, dlq, group, url, stop = await _run_consumer(platform, handler)
    try:
        await produce_raw(platform.kafka.bootstrap_servers, topic, [event.to_bytes()], key=b"k")
        handled = await eventually(
            lambda: scalar(url, "SELECT count(*) FROM inbox_message WHERE event_id = :id", id=event.id)
        )
        with pytest.raises(AssertionError, match="got 0"):  # the dead-letter topic stays empty
            await read_topic(platform.kafka.bootstrap_servers, dlq, 1, timeout_s=2.0)
    finally:
        await stop()
    assert handled == 1
    assert calls == MAX_ATTEMPTS * 2 + 1


async def test_the_lag_gauge_counts_what_an_outage_holds_back_and_falls_to_zero_after_it(platform) -> None:  # type: ignore[no-untyped-def]
    """Nothing is committed while the first event waits out an outage, and the paused partition
    is not fetched, yet the lag gauge counts the records behind (sampled from the broker); once
    the database is back they are stored and it falls to 0."""
    down = True

    async def handler(session, received: ReceivedEvent) -> None:  # type: ignore[no-untyped-def]
        if down:
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    topic, dlq, group, url, stop = await _run_consumer(
        platform, handler, max_backoff_s=0.2, lag_interval_s=0.1
    )
    events = [project_accepted() for _ in range(5)]

    def lag() -> float | None:
        labels = {"service": "retry-test", "topic": topic, "partition": "0"}
        return REGISTRY.get_sample_value("consumer_lag", labels)

    async def lag_is(value: int) -> bool:
        return lag() == value

    try:
        await produce_raw(platform.kafka.bootstrap_servers, topic, [e.to_bytes() for e in events], key=b"k")
        await eventually(lambda: lag_is(len(events)), timeout_s=20)
        assert await scalar(url, "SELECT count(*) FROM inbox_message") == 0
        down = False
        await eventually(lambda: lag_is(0), timeout_s=20)
        stored = await scalar(url, "SELECT count(*) FROM inbox_message")
    finally:
        await stop()
    assert stored == len(events)


class _Revocations(ConsumerRebalanceListener):
    """Counts the partitions taken from the member after its first assignment."""

    def __init__(self) -> None:
        self.assigned = asyncio.Event()
        self.revoked = 0

    async def on_partitions_revoked(self, revoked: Any) -> None:
        if self.assigned.is_set() and revoked:
            self.revoked += 1

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if assigned:
            self.assigned.set()


async def test_an_outage_longer_than_max_poll_interval_keeps_the_consumer_in_its_group(platform) -> None:  # type: ignore[no-untyped-def]
    """While an event waits out an outage the consumer pauses its partitions and polls, so a wait
    longer than `max_poll_interval_ms` (2 s here) does not take it out of its group: no partition
    is revoked, and the event is stored once the database is back."""
    bootstrap = platform.kafka.bootstrap_servers
    topic, dlq, group = (
        platform.topic("outage.events"),
        platform.topic("outage.dlq"),
        platform.prefix + "outage",
    )
    url = platform.database_url("outage")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    await ensure_topics(bootstrap, [topic, dlq], partitions=1)
    engine = create_engine(url)
    producer = make_producer(bootstrap, "outage-test")
    kafka_consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=2000,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )
    revocations = _Revocations()
    kafka_consumer.subscribe([topic], listener=revocations)
    await producer.start()
    await kafka_consumer.start()
    outage_ends = asyncio.get_running_loop().time() + 1_000_000.0

    async def handler(session, received: ReceivedEvent) -> None:  # type: ignore[no-untyped-def]
        if asyncio.get_running_loop().time() < outage_ends:
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    consumer = EventConsumer(
        service="outage-test",
        consumer=kafka_consumer,
        producer=producer,
        unit_of_work=UnitOfWork(create_sessions(engine)),
        subscriptions=Subscriptions({ProjectAccepted: handler}),
        group=group,
        dead_letter_topic=dlq,
        retry_backoff_s=0.05,
        max_backoff_s=0.5,
    )
    task = asyncio.create_task(consumer.run())
    try:
        await asyncio.wait_for(revocations.assigned.wait(), timeout=30)
        outage_ends = asyncio.get_running_loop().time() + 6.0  # three max-poll intervals
        event = project_accepted()
        await produce_raw(bootstrap, topic, [event.to_bytes()], key=b"k")
        handled = await eventually(
            lambda: scalar(url, "SELECT count(*) FROM inbox_message WHERE event_id = :id", id=event.id),
            timeout_s=40,
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await kafka_consumer.stop()
        await producer.stop()
        await engine.dispose()
    assert handled == 1
    assert revocations.revoked == 0

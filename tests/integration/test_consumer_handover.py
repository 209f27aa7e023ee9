"""A rebalance while a batch is in hand (shared/bus/handover.py), on the real broker and PostgreSQL:
the member giving a partition up stores and commits the batch before it goes, so the member
taking it over starts after that batch and re-reads none of it, and the old member stops
reporting the partition's lag."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY

from shared.bus.consumer import EventConsumer
from shared.bus.handover import Handover
from shared.bus.kafka import ensure_topics, make_consumer, make_producer
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.contracts.registry import ProjectAccepted
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from tests.support.db import scalar
from tests.support.events import project_accepted
from tests.support.servers import eventually

MIGRATIONS = Path(__file__).parents[2] / "services" / "reporting" / "migrations"
PER_PARTITION = 60


def _duplicates(service: str) -> float:
    """Records this member fetched that the group had already stored (the inbox skipped them)."""
    labels = {"service": service, "type": ProjectAccepted.TYPE, "outcome": "duplicate"}
    return REGISTRY.get_sample_value("events_consumed_total", labels) or 0.0


async def test_a_member_joining_mid_batch_re_reads_nothing_the_other_stored(platform) -> None:  # type: ignore[no-untyped-def]
    bootstrap = platform.kafka.bootstrap_servers
    topic, dlq, group = (
        platform.topic("handover.events"),
        platform.topic("handover.dlq"),
        platform.prefix + "handover",
    )
    url = platform.database_url("handover")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    await ensure_topics(bootstrap, [topic, dlq], partitions=2)
    engine = create_engine(url)
    first_batch_started = asyncio.Event()
    services = [f"{platform.prefix}handover-a", f"{platform.prefix}handover-b"]

    async def slow_handler(session, received: ReceivedEvent[ProjectAccepted]) -> None:  # type: ignore[no-untyped-def]
        first_batch_started.set()
        await asyncio.sleep(0.03)  # a batch of 20 is in hand for about 0.6 s

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    for index in range(2 * PER_PARTITION):
        await producer.send(topic, project_accepted().to_bytes(), partition=index % 2)
    await producer.flush()
    await producer.stop()

    members: list[tuple[asyncio.Task[None], object, object]] = []

    async def join(service: str) -> object:
        handover = Handover()
        kafka_consumer = make_consumer(bootstrap, group, [topic], service, handover=handover)
        dead_letters = make_producer(bootstrap, service)
        await kafka_consumer.start()
        await dead_letters.start()
        consumer = EventConsumer(
            service=service,
            consumer=kafka_consumer,
            producer=dead_letters,
            unit_of_work=UnitOfWork(create_sessions(engine)),
            subscriptions=Subscriptions({ProjectAccepted: slow_handler}),
            group=group,
            dead_letter_topic=dlq,
            batch_size=20,
            parallel_partitions=1,
            handover=handover,
        )
        members.append((asyncio.create_task(consumer.run()), kafka_consumer, dead_letters))
        return kafka_consumer

    try:
        first = await join(services[0])
        await asyncio.wait_for(first_batch_started.wait(), timeout=60)
        second = await join(services[1])  # the group rebalances while the first holds a batch

        async def all_stored() -> bool:
            return await scalar(url, "SELECT count(*) FROM inbox_message") == 2 * PER_PARTITION

        await eventually(all_stored, timeout_s=90)
        await asyncio.sleep(1)  # a re-read batch would be counted by now
        moved = second.assignment()  # type: ignore[attr-defined]
        kept = first.assignment()  # type: ignore[attr-defined]
        first_lag = {
            tp.partition: REGISTRY.get_sample_value(
                "consumer_lag", {"service": services[0], "topic": topic, "partition": str(tp.partition)}
            )
            for tp in moved
        }
    finally:
        for task, kafka_consumer, dead_letters in members:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await kafka_consumer.stop()  # type: ignore[attr-defined]
            await dead_letters.stop()  # type: ignore[attr-defined]
        await engine.dispose()

    assert len(moved) == 1 and len(kept) == 1  # the second member did take a partition over
    assert _duplicates(services[0]) + _duplicates(services[1]) == 0
    assert first_lag == {tp.partition: None for tp in moved}  # the old owner no longer reports it

"""The bus on a three-broker cluster (replication factor 3, min.insync.replicas 2) while the
partition leader's broker is SIGKILLed mid-flow and restarted (issue 12, "Prove it on a real
cluster"): the outbox relay publishes a few thousand events, a consumer with its inbox applies
them, and afterwards nothing is lost, no effect is doubled, each key's order held and nothing
was dead-lettered.

`FAULT_EVENTS` (default 3000) sizes the flow; `make soak` runs it longer.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.kafka.launcher import KafkaCluster
from deploy.postgres.launcher import PostgresServer
from shared.bus.consumer import EventConsumer
from shared.bus.kafka import TopicSpec, ensure_topics, make_admin, make_consumer, make_producer
from shared.bus.outbox import add_to_outbox
from shared.bus.relay import OutboxRelay
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.contracts.registry import ProjectRegistered
from shared.contracts.topics import REGISTRY_EVENTS, dead_letter_topic
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from shared.web.runtime import wake_relay_on_new_events

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "reporting" / "migrations"
EVENTS = int(os.environ.get("FAULT_EVENTS", "3000"))
PER_KEY = 20
CLUSTER_SPEC = TopicSpec(partitions=3, replication_factor=3, min_insync_replicas=2)


async def _record(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """The effect: one row per event, in the order the consumer applied them."""
    await session.exec(  # type: ignore[call-overload]
        text("INSERT INTO fault_effect (project_id, seq) VALUES (:p, :s)").bindparams(
            p=str(event.payload.project_id), s=event.payload.investment_fen
        )
    )


async def _leader_of(bootstrap: str, topic: str, partition: int) -> int:
    admin = make_admin(bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return next(p["leader"] for p in described["partitions"] if p["partition"] == partition)


async def _end_offsets(bootstrap: str, topic: str) -> int:
    consumer = make_consumer(bootstrap, f"probe-{uuid.uuid4().hex[:6]}", [], "probe")
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        from aiokafka import TopicPartition

        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
    finally:
        await consumer.stop()
    return sum(ends.values())


async def _until(done: Callable[[int], bool], probe: Callable[[], Awaitable[int]], timeout_s: float) -> None:
    """Poll `probe` until `done` says so or the time is up (the assertions then tell the story)."""
    for _ in range(int(timeout_s / 0.2)):
        if done(await probe()):
            return
        await asyncio.sleep(0.2)


@pytest.mark.timeout(600)
async def test_killing_the_partition_leader_mid_flow_loses_nothing_and_keeps_key_order(
    kafka_cluster: KafkaCluster, postgres: PostgresServer
) -> None:
    bootstrap = kafka_cluster.bootstrap_servers
    prefix = f"f{uuid.uuid4().hex[:8]}."
    topic, dlq = prefix + REGISTRY_EVENTS, prefix + dead_letter_topic("faults")
    await ensure_topics(bootstrap, [topic, dlq], spec=CLUSTER_SPEC)

    url = postgres.create_database(prefix.strip(".") + "_faults")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE fault_effect (id BIGSERIAL PRIMARY KEY, project_id TEXT NOT NULL, seq INT NOT NULL)"
            )
        )
    sessions = create_sessions(engine)
    producer = make_producer(bootstrap, "faults-relay")
    await producer.start()
    relay = OutboxRelay(
        service="faults",
        sessions=sessions,
        producer=producer,
        topic_name=lambda base: prefix + base,
        batch_size=200,
        poll_interval_s=0.1,
        max_backoff_s=2.0,
        ack_timeout_s=10.0,
        lease_s=20.0,
    )
    unit_of_work = UnitOfWork(sessions, after_commit=[wake_relay_on_new_events(relay)])
    kafka_consumer = make_consumer(bootstrap, prefix + "faults", [topic], "faults")
    await kafka_consumer.start()
    consumer = EventConsumer(
        service="faults",
        consumer=kafka_consumer,
        producer=producer,
        unit_of_work=unit_of_work,
        subscriptions=Subscriptions({ProjectRegistered: _record}),
        group=prefix + "faults",
        dead_letter_topic=dlq,
        batch_size=200,
        max_backoff_s=2.0,
    )
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]

    async def effects() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM fault_effect"))).scalar_one())

    projects = [uuid.uuid4() for _ in range(EVENTS // PER_KEY)]
    total = len(projects) * PER_KEY

    async def write_events() -> None:
        """Each round adds the next event of every project, in one transaction, while the flow
        and the fault are going on."""
        for seq in range(PER_KEY):
            async with unit_of_work() as session:
                for project in projects:
                    add_to_outbox(
                        session,
                        ProjectRegistered(
                            project_id=project,
                            community_id=project,
                            district_code="110101",
                            programme_code="2025-OLD-RENOV",
                            name="Fault test compound",
                            investment_fen=seq,
                        ),
                    )
            await asyncio.sleep(0.25)

    started = time.monotonic()
    writer = asyncio.create_task(write_events())
    killed: int | None = None
    try:
        await _until(lambda n: n >= total // 4, effects, timeout_s=120)
        killed = await _leader_of(bootstrap, topic, 0)
        victim = kafka_cluster.broker(killed)
        await asyncio.to_thread(victim.kill)  # SIGKILL, mid-flow
        await asyncio.sleep(5)
        await asyncio.to_thread(victim.start)
        await writer
        await _until(lambda n: n >= total, effects, timeout_s=180)
        await asyncio.sleep(3)  # a late duplicate would show up here
    finally:
        writer.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, writer, return_exceptions=True)
        await kafka_consumer.stop()
        await producer.stop()

    async with engine.connect() as conn:
        rows, distinct = (
            await conn.execute(text("SELECT count(*), count(DISTINCT (project_id, seq)) FROM fault_effect"))
        ).one()
        orders = (
            await conn.execute(
                text("SELECT project_id, array_agg(seq ORDER BY id) FROM fault_effect GROUP BY project_id")
            )
        ).all()
        states = dict(
            (await conn.execute(text("SELECT state, count(*) FROM outbox_message GROUP BY state"))).all()
        )
    await engine.dispose()
    dead_lettered = await _end_offsets(bootstrap, dlq)
    out_of_order = sum(1 for _, seqs in orders if list(seqs) != sorted(seqs))
    lost, duplicates = total - distinct, rows - distinct
    print(
        "\nfault                              events  lost  duplicate effects  dead-lettered  out-of-order  seconds\n"
        f"SIGKILL leader of partition 0 (b{killed}) {total:>6}  {lost:>4}  {duplicates:>17}  "
        f"{dead_lettered:>13}  {out_of_order:>12}  {time.monotonic() - started:>7.1f}"
    )
    assert killed is not None
    assert (lost, duplicates, dead_lettered, out_of_order) == (0, 0, 0, 0)
    assert states == {"published": total}, states

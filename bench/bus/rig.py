"""One service's worth of bus on a fresh database and fresh topics: engine, producer, relay and
consumers, built the way shared/web/runtime.py builds them."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from sqlalchemy import text

from bench.bus.handlers import EFFECTS, BenchCounter, BenchEvent
from bench.bus.payloads import BATCH, INSERT_BATCH, OUTBOX_BATCH, PARTITIONS
from bench.harness import BatchCounts, BenchContext, DbCounter, count_batches, wait_assigned
from shared.bus.consumer import EventConsumer
from shared.bus.kafka import ensure_topics, make_consumer, make_producer
from shared.bus.outbox import add_to_outbox
from shared.bus.relay import OutboxRelay
from shared.bus.subscriptions import Handler, Subscriptions
from shared.contracts.registry import ProjectRegistered
from shared.contracts.topics import REGISTRY_EVENTS, dead_letter_topic
from shared.db import UnitOfWork, create_engine, create_sessions
from shared.web.runtime import wake_relay_on_new_events

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "reporting" / "migrations"
INBOX = "reporting"  # the consumer group whose inbox the scenarios wait on


class SpineRig:
    """Engine, producer, relay and consumers of one run; `db` counts what the engine sends."""

    def __init__(self, bootstrap: str, url: str, topic_prefix: str) -> None:
        self.bootstrap = bootstrap
        self.topic_prefix = topic_prefix
        self.topic = topic_prefix + REGISTRY_EVENTS
        self.engine = create_engine(url)
        self.db = DbCounter(self.engine)
        self.poll_engine = create_engine(url, pool_size=1, max_overflow=0)
        self.producer = make_producer(bootstrap, client_id="bench-spine")
        sessions = create_sessions(self.engine)
        self.relay = OutboxRelay(
            service="bench",
            sessions=sessions,
            producer=self.producer,
            topic_name=lambda base: f"{topic_prefix}{base}",
            batch_size=OUTBOX_BATCH,
        )
        self.unit_of_work = UnitOfWork(sessions, after_commit=[wake_relay_on_new_events(self.relay)])
        self.relay_batches = BatchCounts()
        # One _confirm call per batch the relay sent; its result starts with the rows published.
        count_batches(self.relay, "_confirm", self.relay_batches, lambda _, result: result[0])
        self.kafka_consumers: list[AIOKafkaConsumer] = []

    @classmethod
    async def open(cls, ctx: BenchContext, run: str) -> SpineRig:
        """A rig on a fresh database (the reporting service's migrations plus `bench_event`)."""
        url = await ctx.databases.create(f"bench_{ctx.label}_{run}", MIGRATIONS)
        rig = cls(ctx.bootstrap, url, f"bench.{ctx.label}.{run}.")
        async with rig.engine.begin() as conn:
            await conn.run_sync(BenchEvent.__table__.create)  # type: ignore[attr-defined]
            await conn.run_sync(BenchCounter.__table__.create)  # type: ignore[attr-defined]
        await rig.producer.start()
        return rig

    def group(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    async def consumer(self, name: str, handler: Handler, batches: BatchCounts) -> EventConsumer:
        """An EventConsumer in its own group, joined before any record is on the topic."""
        group = self.group(name)
        dlq = self.topic_prefix + dead_letter_topic(name)
        await ensure_topics(self.bootstrap, [self.topic, dlq], PARTITIONS)
        kafka_consumer = make_consumer(self.bootstrap, group, [self.topic], client_id=name)
        await kafka_consumer.start()
        self.kafka_consumers.append(kafka_consumer)
        await wait_assigned(kafka_consumer)
        consumer = EventConsumer(
            service="bench",
            consumer=kafka_consumer,
            producer=self.producer,
            unit_of_work=self.unit_of_work,
            subscriptions=Subscriptions({ProjectRegistered: handler}),
            group=group,
            dead_letter_topic=dlq,
            batch_size=BATCH,
        )
        count_batches(consumer, "process_partition_batch", batches, lambda args, _: len(args[0]))
        return consumer

    async def insert(self, payloads: list[ProjectRegistered]) -> float:
        """Add every payload to the outbox, INSERT_BATCH rows per committed unit of work; the
        seconds it took (not counted in `db`)."""
        self.db.paused = True
        started = time.perf_counter()
        for i in range(0, len(payloads), INSERT_BATCH):
            async with self.unit_of_work() as session:
                for payload in payloads[i : i + INSERT_BATCH]:
                    add_to_outbox(session, payload)
        elapsed = time.perf_counter() - started
        self.db.paused = False
        return elapsed

    async def _count(self, sql: str, **params: Any) -> int:
        async with self.poll_engine.connect() as conn:
            return int((await conn.execute(text(sql), params)).scalar_one())

    def inbox_count(self, name: str) -> Callable[[], Awaitable[int]]:
        """A counter of the inbox rows committed by consumer group `name`."""
        group = self.group(name)

        async def inbox_count() -> int:
            return await self._count("SELECT count(*) FROM inbox_message WHERE consumer_group = :g", g=group)

        return inbox_count

    async def published_count(self) -> int:
        """Outbox rows the relay has marked published."""
        return await self._count("SELECT count(*) FROM outbox_message WHERE state = 'published'")

    async def check(self, n: int, handler: str) -> None:
        """Every event handled exactly once: N inbox rows, and N effects of the handler."""
        inbox = await self.inbox_count(INBOX)()
        sql = EFFECTS[handler]
        effects = inbox if sql is None else await self._count(sql)
        if effects != n or inbox != n:
            raise AssertionError(f"expected {n} events handled once: effects={effects} inbox={inbox}")

    async def stop(self) -> None:
        for kafka_consumer in self.kafka_consumers:
            await kafka_consumer.stop()
        await self.producer.stop()
        await self.engine.dispose()
        await self.poll_engine.dispose()

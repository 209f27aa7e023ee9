"""A service's runtime: the I/O it owns (engine, unit of work, producer, relay, clock) and the
background loops it supervises. Built at start-up by the app's lifespan; tests build the same
runtime with fakes (a fixed clock). Outbound HTTP belongs to the worker that sends it
(notification's delivery worker owns its guarded session)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bus.consumer import EventConsumer
from shared.bus.handover import Handover
from shared.bus.kafka import (
    KafkaSecurity,
    TopicSpec,
    ensure_topics,
    make_consumer,
    make_producer,
    wait_for_kafka,
)
from shared.bus.outbox import has_new_events
from shared.bus.producer import RenewableProducer
from shared.bus.relay import OutboxRelay
from shared.bus.subscriptions import Subscriptions
from shared.clock import Clock, SystemClock
from shared.contracts.topics import dead_letter_topic
from shared.db.engine import (
    create_engine,
    create_read_engine,
    create_sessions,
    dispose_engine,
    dispose_read_engine,
    run_migrations,
)
from shared.db.unit_of_work import UnitOfWork
from shared.settings import ServiceSettings
from shared.web.housekeeping import retention_worker

__all__ = [
    "CRASH_WINDOW_S",
    "LoopState",
    "supervise",
    "Runtime",
    "ServiceDefinition",
    "Worker",
    "start_runtime",
    "stop_runtime",
    "wake_relay_on_new_events",
]

log = logging.getLogger(__name__)

Worker = Callable[["Runtime"], Awaitable[None]]


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything that makes one service different from another.

    The topics a service consumes are derived from `subscriptions`; it states what it produces.
    """

    settings: ServiceSettings
    title: str
    description: str
    routers: Sequence[APIRouter]
    migrations_dir: Path
    produces: Sequence[str] = ()
    subscriptions: Subscriptions = field(default_factory=lambda: Subscriptions({}))
    workers: Sequence[Worker] = ()
    on_startup: Sequence[Worker] = ()
    clock: Clock | None = None


CRASH_WINDOW_S = 30.0
"""A supervised loop that crashed this recently makes `/readyz` answer not ready."""


@dataclass
class LoopState:
    """How a supervised loop has fared: `/readyz` reports a loop that crashed lately."""

    crashes: int = 0
    last_crash_at: float | None = None
    last_error: str | None = None

    def check(self, now: float, window_s: float = CRASH_WINDOW_S) -> str:
        """``ok``, or an error naming the crash when the last one is under `window_s` old.

        Args:
            now: the event loop's clock (`loop.time()`).
            window_s: how long after a crash the loop still counts as failing.
        """
        if self.last_crash_at is not None and now - self.last_crash_at < window_s:
            return f"error: {self.last_error} ({self.crashes} crashes); restarting"
        return "ok"


@dataclass
class Runtime:
    """What routes, handlers and workers reach through `app.state.runtime`."""

    settings: ServiceSettings
    engine: AsyncEngine
    read_engine: AsyncEngine
    """What GET requests read through (`shared.db.engine.create_read_engine`)."""
    sessions: async_sessionmaker[AsyncSession]
    unit_of_work: UnitOfWork
    producer: RenewableProducer
    relay: OutboxRelay
    clock: Clock
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    loops: dict[str, LoopState] = field(default_factory=dict)

    def start_loop(self, name: str, loop: Callable[[], Awaitable[None]]) -> None:
        """Supervise `loop` for the life of the service, its crashes recorded for `/readyz`.

        Args:
            name: the loop's name in logs, in the task and in `/readyz`'s checks.
            loop: starts the loop (see `supervise`).
        """
        state = self.loops[name] = LoopState()
        self.tasks.append(supervise(name, loop, state))


async def start_runtime(definition: ServiceDefinition) -> Runtime:
    """Migrate, wait for Kafka, create topics, start the producer, relay, consumer and workers.

    The relay, the consumer (when the service subscribes to anything) and each worker run as
    supervised tasks: one that crashes is logged and restarted a second later.

    Args:
        definition: what the service is (settings, subscriptions, workers, start-up steps).

    Returns:
        The running runtime; hand it to `stop_runtime` on shut-down.
    """
    settings = definition.settings
    name = settings.service_name
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    if settings.run_migrations_on_start:
        await asyncio.to_thread(run_migrations, definition.migrations_dir, settings.database_url)

    consumes = definition.subscriptions.topics
    security = KafkaSecurity.from_settings(settings)
    await wait_for_kafka(
        settings.kafka_bootstrap_servers, settings.kafka_startup_timeout_s, security=security
    )
    # A service may consume its own topic (reporting reads back its own events): one entry each.
    topics = [settings.topic(t) for t in dict.fromkeys((*definition.produces, *consumes))]
    if consumes:
        topics.append(settings.topic(dead_letter_topic(name)))
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        topics,
        spec=TopicSpec.from_settings(settings),
        security=security,
        create=not settings.kafka_topics_provisioned,
    )

    producer = RenewableProducer(
        lambda: make_producer(
            settings.kafka_bootstrap_servers,
            client_id=name,
            compression_type=settings.kafka_compression_type,
            security=security,
        )
    )
    await producer.start()
    sessions = create_sessions(engine)
    relay = OutboxRelay(
        service=name,
        sessions=sessions,
        producer=producer,
        topic_name=settings.topic,
        batch_size=settings.outbox_batch_size,
        poll_interval_s=settings.outbox_poll_interval_s,
        max_backoff_s=settings.outbox_max_backoff_s,
    )
    runtime = Runtime(
        settings=settings,
        engine=engine,
        read_engine=create_read_engine(engine, pool_size=settings.db_read_pool_size),
        sessions=sessions,
        unit_of_work=UnitOfWork(
            sessions,
            after_commit=[wake_relay_on_new_events(relay)],
            serialise=engine.dialect.name == "sqlite",
        ),
        producer=producer,
        relay=relay,
        clock=definition.clock or SystemClock(),
    )
    for step in definition.on_startup:
        await step(runtime)

    if settings.relay_enabled:
        runtime.start_loop("outbox-relay", relay.run)
    if consumes and settings.consumer_enabled:
        runtime.start_loop("consumer", lambda: _run_consumer(definition, runtime))
    if settings.retention_interval_s > 0:
        runtime.start_loop("retention", lambda: retention_worker(runtime))
    for worker in definition.workers:
        runtime.start_loop(worker.__name__, lambda w=worker: w(runtime))
    log.info("%s started", name)
    return runtime


def wake_relay_on_new_events(relay: OutboxRelay) -> Callable[[AsyncSession], None]:
    """An after-commit callback: wake the relay at once when the transaction added events.

    Args:
        relay: the service's outbox relay.

    Returns:
        A callback for `UnitOfWork(after_commit=[...])`, given the committed session.
    """

    def wake(session: AsyncSession) -> None:
        if has_new_events(session):
            relay.wake()

    return wake


async def _run_consumer(definition: ServiceDefinition, runtime: Runtime) -> None:
    settings = runtime.settings
    handover = Handover()
    kafka_consumer = make_consumer(
        settings.kafka_bootstrap_servers,
        settings.consumer_group,
        [settings.topic(t) for t in definition.subscriptions.topics],
        client_id=settings.service_name,
        security=KafkaSecurity.from_settings(settings),
        handover=handover,
    )
    await kafka_consumer.start()
    try:
        await EventConsumer(
            service=settings.service_name,
            consumer=kafka_consumer,
            producer=runtime.producer,
            unit_of_work=runtime.unit_of_work,
            subscriptions=definition.subscriptions,
            group=settings.consumer_group,
            dead_letter_topic=settings.topic(dead_letter_topic(settings.service_name)),
            batch_size=settings.consumer_batch_size,
            max_attempts=settings.consumer_max_attempts,
            retry_backoff_s=settings.consumer_retry_backoff_s,
            max_backoff_s=settings.consumer_max_backoff_s,
            clock=runtime.clock,
            handover=handover,
        ).run()
    finally:
        await kafka_consumer.stop()


def supervise(
    name: str, loop: Callable[[], Awaitable[None]], state: LoopState | None = None
) -> asyncio.Task[None]:
    """Run a background loop for the life of the service, restarting it after a crash.

    Why: a relay whose advisory-lock connection died with the database, or a consumer torn down
    by an error, must come back by itself once the infrastructure does.

    Args:
        name: the loop's name in logs and in the task.
        loop: starts the loop; a normal return ends supervision.
        state: where each crash is recorded (for `/readyz`), if anywhere.

    Returns:
        The supervising task; cancel it to stop the loop.
    """

    async def guarded() -> None:
        while True:
            try:
                await loop()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if state is not None:
                    state.crashes += 1
                    state.last_crash_at = asyncio.get_running_loop().time()
                    state.last_error = type(exc).__name__
                log.exception("%s crashed; restarting in 1s", name)
                await asyncio.sleep(1.0)

    return asyncio.create_task(guarded(), name=name)


async def stop_runtime(runtime: Runtime) -> None:
    """Cancel the loops, then close the producer and the engines.

    Args:
        runtime: what `start_runtime` returned.
    """
    for task in runtime.tasks:
        task.cancel()
    for task in runtime.tasks:
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
    await runtime.producer.stop()
    await dispose_read_engine(runtime.read_engine, runtime.engine)
    await dispose_engine(runtime.engine)
    log.info("%s stopped", runtime.settings.service_name)

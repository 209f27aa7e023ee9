"""Builds a service: its FastAPI app and the runtime behind it (engine, producer, relay, consumer).

Every service's `main.py` describes itself as a `ServiceDefinition` and calls `create_app`; the
lifespan does the pre-start work (migrations, waiting for Kafka, topics) and runs the background
loops under supervision. Nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.audit_api import audit_router
from shared.bus.consumer import EventConsumer, Handler
from shared.bus.kafka import ensure_topics, make_consumer, make_producer, wait_for_kafka
from shared.bus.outbox import WAKER_KEY
from shared.bus.relay import OutboxRelay
from shared.bus.topics import dead_letter_topic
from shared.contracts.envelope import correlation_id_var
from shared.db import create_engine, create_sessions, run_migrations
from shared.health import health_router
from shared.observability import install_http_metrics
from shared.problems import install_problem_handlers
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

Worker = Callable[["Runtime"], Awaitable[None]]


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything that makes one service different from another."""

    settings: ServiceSettings
    title: str
    description: str
    routers: Sequence[APIRouter]
    migrations_dir: Path
    produces: Sequence[str] = ()
    consumes: Sequence[str] = ()
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    workers: Sequence[Worker] = ()
    on_startup: Sequence[Worker] = ()


@dataclass
class Runtime:
    """What routes, handlers and workers reach through `app.state.runtime`."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    relay: OutboxRelay
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def create_app(definition: ServiceDefinition) -> FastAPI:
    """The service's ASGI app; start-up and shut-down live in its lifespan."""
    settings = definition.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await _start_runtime(definition)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await _stop_runtime(runtime)

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    install_http_metrics(app, settings.service_name)
    app.middleware("http")(_correlation_middleware)
    app.include_router(health_router())
    app.include_router(audit_router())
    for router in definition.routers:
        app.include_router(router)
    return app


async def _correlation_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Carry the caller's request id (or a new one) into logs and into every event staged."""
    request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
    token = correlation_id_var.set(request_id)
    try:
        response = await call_next(request)
    finally:
        correlation_id_var.reset(token)
    response.headers["X-Request-ID"] = request_id
    return response


async def _start_runtime(definition: ServiceDefinition) -> Runtime:
    settings = definition.settings
    name = settings.service_name
    engine = create_engine(settings.database_url)
    if settings.run_migrations_on_start:
        await asyncio.to_thread(run_migrations, definition.migrations_dir, settings.database_url)

    await wait_for_kafka(settings.kafka_bootstrap_servers, settings.kafka_startup_timeout_s)
    topics = [settings.topic(t) for t in (*definition.produces, *definition.consumes)]
    if definition.consumes:
        topics.append(settings.topic(dead_letter_topic(name)))
    await ensure_topics(settings.kafka_bootstrap_servers, topics, settings.topic_partitions)

    producer = make_producer(settings.kafka_bootstrap_servers, client_id=name)
    await producer.start()
    relay = OutboxRelay(
        service=name,
        sessions=create_sessions(engine),
        producer=producer,
        topic_name=settings.topic,
        batch_size=settings.outbox_batch_size,
        poll_interval_s=settings.outbox_poll_interval_s,
        max_backoff_s=settings.outbox_max_backoff_s,
    )
    sessions = create_sessions(engine, **{WAKER_KEY: relay.wake})
    runtime = Runtime(settings, engine, sessions, producer, relay)
    for step in definition.on_startup:
        await step(runtime)

    if settings.relay_enabled:
        runtime.tasks.append(_supervise("outbox-relay", relay.run))
    if definition.consumes and settings.consumer_enabled:
        runtime.tasks.append(_supervise("consumer", lambda: _run_consumer(definition, runtime)))
    for worker in definition.workers:
        runtime.tasks.append(_supervise(worker.__name__, lambda w=worker: w(runtime)))
    log.info("%s started", name)
    return runtime


async def _run_consumer(definition: ServiceDefinition, runtime: Runtime) -> None:
    settings = runtime.settings
    kafka_consumer = make_consumer(
        settings.kafka_bootstrap_servers,
        settings.consumer_group,
        [settings.topic(t) for t in definition.consumes],
        client_id=settings.service_name,
    )
    await kafka_consumer.start()
    try:
        await EventConsumer(
            service=settings.service_name,
            consumer=kafka_consumer,
            producer=runtime.producer,
            sessions=runtime.sessions,
            handlers=definition.handlers,
            group=settings.consumer_group,
            dead_letter_topic=settings.topic(dead_letter_topic(settings.service_name)),
            batch_size=settings.consumer_batch_size,
            max_attempts=settings.consumer_max_attempts,
            retry_backoff_s=settings.consumer_retry_backoff_s,
        ).run()
    finally:
        await kafka_consumer.stop()


def _supervise(name: str, loop: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
    """Run a background loop for the life of the service, restarting it after a crash."""

    async def guarded() -> None:
        while True:
            try:
                await loop()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s crashed; restarting in 1s", name)
                await asyncio.sleep(1.0)

    return asyncio.create_task(guarded(), name=name)


async def _stop_runtime(runtime: Runtime) -> None:
    for task in runtime.tasks:
        task.cancel()
    for task in runtime.tasks:
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
    await runtime.producer.stop()
    await runtime.engine.dispose()
    log.info("%s stopped", runtime.settings.service_name)

"""Fakes around `EventConsumer` for the fast tier: records, a dead-letter producer, a scripted
handler, an inbox on SQLite, metric readings and pauses that do not wait."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bus.consumer import EventConsumer
from shared.bus.inbox import InboxMessage
from shared.bus.subscriptions import Subscriptions
from shared.context import causation_id_var, correlation_id_var, event_id_var
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectRegistered
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.support.events import project_registered as payload
from tests.support.pauses import Runaway, sleeps_fixture  # noqa: F401  (re-exported fixture)

TYPE = ProjectRegistered.TYPE
DLQ_TOPIC = "test.dead-letter"


def envelope(event_id: str | None = None, **changes: Any) -> CloudEvent:
    event = CloudEvent.wrap(payload(), event_id=event_id or str(uuid.uuid4()))
    return event.model_copy(update=changes) if changes else event


def record(value: CloudEvent | bytes | None, offset: int = 0, partition: int = 0) -> Any:
    """A consumed record as aiokafka gives it (only the attributes the consumer reads)."""
    raw = value.to_bytes() if isinstance(value, CloudEvent) else value
    return SimpleNamespace(
        topic="registry.events", partition=partition, offset=offset, key=b"k", value=raw, headers=[]
    )


class ScriptedHandler:
    """Fails or succeeds per event id and run, as told; keeps what each run saw.

    Args:
        script: event id → what its runs do in turn: None succeeds, an exception is raised. The
            last entry repeats for every later run; ids not named always succeed.
    """

    def __init__(self, script: dict[str, Sequence[BaseException | None]] | None = None) -> None:
        self.script = script or {}
        self.runs: list[str] = []
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, session: AsyncSession, event: Any) -> None:
        self.runs.append(event.id)
        if len(self.runs) > 40:
            raise Runaway(f"handler ran {len(self.runs)} times")
        self.seen.append(
            {
                "session": isinstance(session, AsyncSession),
                "id": event.id,
                "raw": event.raw,
                "payload": type(event.payload).__name__,
                "correlation": correlation_id_var.get(),
                "causation": causation_id_var.get(),
                "event": event_id_var.get(),
            }
        )
        steps = self.script.get(event.id, [None])
        step = steps[min(self.runs.count(event.id), len(steps)) - 1]
        if step is not None:
            raise step


class DeadLetters:
    """The consumer's producer: keeps what is sent to the dead-letter topic, acks at once."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, *, value: bytes, key: bytes, headers: Any) -> None:
        self.sent.append({"topic": topic, "value": value, "key": key, "headers": dict(headers)})

    def summary(self) -> list[tuple[str, str, str]]:
        """(original offset, reason, attempts) per dead-lettered record."""
        return [
            (
                h["headers"]["dlq.original.offset"].decode(),
                h["headers"]["dlq.reason"].decode(),
                h["headers"]["dlq.attempts"].decode(),
            )
            for h in self.sent
        ]


class CountingUnitOfWork(UnitOfWork):
    """The service's unit of work, counting the transactions it opens."""

    transactions = 0

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:  # type: ignore[override]
        self.transactions += 1
        return super().__call__()


class Inbox:
    def __init__(self, path: Path) -> None:
        self.engine = create_engine(f"sqlite:///{path}")
        self.unit_of_work = CountingUnitOfWork(create_sessions(self.engine))

    async def rows(self) -> list[str]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text("SELECT event_id FROM inbox_message"))).scalars())


@pytest.fixture(name="inbox")
async def inbox_fixture(tmp_path: Path) -> AsyncIterator[Inbox]:
    box = Inbox(tmp_path / "inbox.db")
    async with box.engine.begin() as conn:
        await conn.run_sync(InboxMessage.metadata.create_all, tables=[InboxMessage.__table__])  # type: ignore[attr-defined]
    yield box
    await box.engine.dispose()


class PausingKafka:
    """The aiokafka consumer calls the one-by-one path makes while it waits out an outage: one
    partition assigned, pauses and resumes recorded, polls counted (a paused partition gives none)."""

    def __init__(self, polled: dict[TopicPartition, list[Any]] | None = None) -> None:
        self.assigned = {TopicPartition("t", 0)}
        self.calls: list[str] = []
        self.polled = polled or {}

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    def pause(self, *partitions: TopicPartition) -> None:
        self.calls.append("pause")

    def resume(self, *partitions: TopicPartition) -> None:
        self.calls.append("resume")

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int = 0) -> dict[Any, Any]:
        self.calls.append("poll")
        polled, self.polled = self.polled, {}
        return polled

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.calls.append(f"seek {partition.partition}:{offset}")


def make_consumer(
    inbox: Inbox, handler: ScriptedHandler, dead_letters: DeadLetters, service: str, **options: Any
) -> EventConsumer:
    return EventConsumer(
        service=service,
        consumer=options.pop("kafka", None) or PausingKafka(),  # type: ignore[arg-type]
        producer=dead_letters,  # type: ignore[arg-type]
        unit_of_work=inbox.unit_of_work,
        subscriptions=Subscriptions({ProjectRegistered: handler}),
        group="g",
        dead_letter_topic=DLQ_TOPIC,
        **options,
    )


def bare_consumer(kafka: Any, service: str = "test", **options: Any) -> EventConsumer:
    """An `EventConsumer` over a fake aiokafka consumer, with no database, producer or handlers:
    for what it does with offsets, partitions and lag alone."""
    return EventConsumer(
        service=service,
        consumer=kafka,
        producer=None,  # type: ignore[arg-type]
        unit_of_work=None,  # type: ignore[arg-type]
        subscriptions=Subscriptions({}),
        group="g",
        dead_letter_topic="dlq",
        **options,
    )


def new_service() -> str:
    """A service name of its own, so metric readings start at nothing."""
    return f"svc-{uuid.uuid4().hex[:12]}"


def metric(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)

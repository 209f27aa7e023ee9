"""The event consumer: inbox for idempotence, bounded retries, dead-letter, manual offset commits.

For each batch a partition delivers, the fast path handles every event in one DB transaction that
starts by claiming the batch's inbox rows in one statement (the events not claimed are duplicates);
if anything in it fails, the batch is rolled back and replayed one event per transaction, each with
its own retries. Offsets are committed only after the DB commit, so a crash re-delivers and the
inbox skips what was already done.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError

from shared.bus.dead_letter import EXHAUSTED, MALFORMED, PERMANENT, DeadLetter, send_to_dead_letter
from shared.bus.errors import PermanentError
from shared.bus.inbox import claim
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.clock import Clock, SystemClock
from shared.context import causation_id_var, correlation_id_var, event_id_var
from shared.contracts.envelope import CloudEvent
from shared.db.unit_of_work import UnitOfWork
from shared.errors import DomainError
from shared.observability.metrics import (
    CONSUMER_LAG,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    EVENTS_FAILED,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Decoded:
    record: ConsumerRecord  # type: ignore[type-arg]
    event: ReceivedEvent


class EventConsumer:
    """Runs one consumer group: decodes, dispatches by type string, retries, dead-letters."""

    def __init__(
        self,
        *,
        service: str,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        unit_of_work: UnitOfWork,
        subscriptions: Subscriptions,
        group: str,
        dead_letter_topic: str,
        batch_size: int = 500,
        max_attempts: int = 5,
        retry_backoff_s: float = 0.2,
        clock: Clock | None = None,
    ) -> None:
        self._service = service
        self._consumer = consumer
        self._producer = producer
        self._unit_of_work = unit_of_work
        self._subscriptions = subscriptions
        self._clock = clock or SystemClock()
        self._group = group
        self._dlq = dead_letter_topic
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._retry_backoff_s = retry_backoff_s

    async def run(self) -> None:
        """Consume until cancelled. The aiokafka consumer must already be started."""
        while True:
            batches = await self._consumer.getmany(timeout_ms=500, max_records=self._batch_size)
            handled: dict[TopicPartition, int] = {}
            for tp, records in batches.items():
                if records:
                    await self.process_partition_batch(records)
                    handled[tp] = records[-1].offset + 1
            if handled:
                # One commit for every partition of the fetch, each batch already in the DB.
                await self._consumer.commit(handled)
                for tp, next_offset in handled.items():
                    self._record_lag(tp, next_offset)

    async def process_partition_batch(self, records: list[ConsumerRecord]) -> None:  # type: ignore[type-arg]
        """Handle one partition's records in order; returns once every one is handled or dead-lettered."""
        decoded: list[_Decoded] = []
        for record in records:
            event = await self._decode(record)
            if event is not None:
                decoded.append(_Decoded(record, event))
        if not decoded:
            return
        try:
            await self._handle_batch(decoded)
        except Exception as exc:
            log.info("batch of %d failed (%r); handling one by one", len(decoded), exc)
            for item in decoded:
                await self._handle_with_retries(item)

    async def _decode(self, record: ConsumerRecord) -> ReceivedEvent | None:  # type: ignore[type-arg]
        """Parse the envelope and payload; dead-letter what cannot be parsed, skip unknown types."""
        try:
            envelope = CloudEvent.from_bytes(record.value or b"")
            if envelope.type not in self._subscriptions:
                EVENTS_CONSUMED.labels(self._service, envelope.type, "ignored").inc()
                return None
            model = self._subscriptions.payload_class(envelope.type)
            return ReceivedEvent(envelope, model.model_validate(envelope.data), self._clock.now())
        except (ValidationError, ValueError, PermanentError) as exc:
            await self._dead_letter(record, DeadLetter(MALFORMED, exc, 0))
            return None

    async def _handle_batch(self, items: list[_Decoded]) -> None:
        handled: Counter[str] = Counter()
        duplicates: Counter[str] = Counter()
        async with self._unit_of_work() as session:
            fresh = await claim(session, self._group, [(i.event.id, i.event.envelope.type) for i in items])
            for item in items:
                event = item.event
                if event.id not in fresh:
                    duplicates[event.envelope.type] += 1
                    continue
                fresh.discard(event.id)  # a second copy later in the batch is a duplicate
                with _event_context(event):
                    await self._subscriptions.handler(event.envelope.type)(session, event)
                handled[event.envelope.type] += 1
        for event_type, count in handled.items():
            EVENTS_CONSUMED.labels(self._service, event_type, "handled").inc(count)
        for event_type, count in duplicates.items():
            EVENTS_CONSUMED.labels(self._service, event_type, "duplicate").inc(count)

    async def _handle_with_retries(self, item: _Decoded) -> None:
        event = item.event
        for attempt in range(1, self._max_attempts + 1):
            try:
                outcome = await self._handle_one(event)
                EVENTS_CONSUMED.labels(self._service, event.envelope.type, outcome).inc()
                return
            except (PermanentError, DomainError) as exc:
                self._count_failure(event, exc)
                await self._dead_letter(item.record, DeadLetter(PERMANENT, exc, attempt))
                return
            except Exception as exc:
                self._count_failure(event, exc)
                if attempt == self._max_attempts:
                    await self._dead_letter(item.record, DeadLetter(EXHAUSTED, exc, attempt))
                    return
                log.warning("event %s attempt %d failed: %r", event.id, attempt, exc)
                await asyncio.sleep(self._retry_backoff_s * 2 ** (attempt - 1))

    async def _handle_one(self, event: ReceivedEvent) -> str:  # type: ignore[type-arg]
        return await handle_event(self._unit_of_work, self._subscriptions, self._group, event)

    async def _dead_letter(self, record: ConsumerRecord, letter: DeadLetter) -> None:  # type: ignore[type-arg]
        log.error(
            "dead-lettering %s[%s]@%s (%s): %r",
            record.topic,
            record.partition,
            record.offset,
            letter.reason,
            letter.error,
        )
        await send_to_dead_letter(self._producer, self._dlq, record, self._group, letter)
        EVENTS_DEAD_LETTERED.labels(self._service, letter.reason).inc()

    def _count_failure(self, event: ReceivedEvent, exc: BaseException) -> None:
        EVENTS_FAILED.labels(self._service, event.envelope.type, type(exc).__name__).inc()

    def _record_lag(self, tp: TopicPartition, next_offset: int) -> None:
        highwater = self._consumer.highwater(tp)
        if highwater is not None:
            CONSUMER_LAG.labels(self._service, tp.topic, str(tp.partition)).set(
                max(0, highwater - next_offset)
            )


async def handle_event(
    unit_of_work: UnitOfWork,
    subscriptions: Subscriptions,
    group: str,
    event: ReceivedEvent,  # type: ignore[type-arg]
) -> str:
    """Handle one event in its own unit of work, exactly once per consumer group.

    The inbox row and the handler's writes commit together; a redelivered event finds its row.
    The consumer's one-by-one path uses it, and so do the handler tests.

    Args:
        unit_of_work: the service's unit of work.
        subscriptions: the service's subscription table (must contain the event's type).
        group: the consumer group the inbox row is written for.
        event: the decoded event.

    Returns:
        "handled", or "duplicate" when the group had handled this event id before.

    Raises:
        Whatever the handler raises (nothing is then written).
    """
    async with unit_of_work() as session:
        if not await claim(session, group, [(event.id, event.envelope.type)]):
            return "duplicate"
        with _event_context(event):
            await subscriptions.handler(event.envelope.type)(session, event)
    return "handled"


class _event_context:
    """Sets correlation, causation and event ids for logs and for events the handler stages."""

    def __init__(self, event: ReceivedEvent) -> None:
        self._event = event
        self._tokens: list = []  # type: ignore[type-arg]

    def __enter__(self) -> None:
        env = self._event.envelope
        self._tokens = [
            (correlation_id_var, correlation_id_var.set(env.correlationid or env.id)),
            (causation_id_var, causation_id_var.set(env.id)),
            (event_id_var, event_id_var.set(env.id)),
        ]

    def __exit__(self, *exc: object) -> None:
        for var, token in reversed(self._tokens):
            var.reset(token)

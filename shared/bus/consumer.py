"""The event consumer: inbox for idempotence, bounded retries, dead-letter, manual offset commits.

For each batch a partition delivers, the fast path handles every event in one DB transaction that
starts by claiming the batch's inbox rows in one statement (the events not claimed are duplicates);
if anything in it fails, the batch is rolled back and replayed one event per transaction, each with
its own retries. Offsets are committed only after the DB commit, so a crash re-delivers and the
inbox skips what was already done. Why batches first: one transaction per batch is what makes a
consumer keep up with the relay; the one-by-one replay keeps one bad event from blocking the rest.
On PostgreSQL the batches of up to `PARALLEL_PARTITIONS` partitions of a fetch run at once (each in
its own transaction, each partition in order), so Python and the database work side by side.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import Token
from datetime import datetime
from typing import NamedTuple

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import text

from shared.bus.dead_letter import EXHAUSTED, MALFORMED, PERMANENT, DeadLetter, send_to_dead_letter
from shared.bus.errors import PermanentError
from shared.bus.failures import FailureKind, HandlerDeadlineExceeded, classify
from shared.bus.handover import Handover
from shared.bus.inbox import AlreadyClaimed, claim
from shared.bus.producer import RenewableProducer
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.clock import Clock, SystemClock
from shared.context import causation_id_var, correlation_id_var, event_id_var
from shared.contracts.dead_letter import UNKNOWN_VERSION
from shared.contracts.envelope import CloudEvent
from shared.db.unit_of_work import UnitOfWork
from shared.observability import tracing
from shared.observability.metrics import (
    CONSUMER_LAG,
    EVENT_END_TO_END_LATENCY,
    EVENT_HANDLER_DURATION,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    EVENTS_FAILED,
    observe_many,
    per_event_child,
)

__all__ = ["PARALLEL_PARTITIONS", "EventConsumer", "handle_event"]

log = logging.getLogger(__name__)

PARALLEL_PARTITIONS = 4
"""Partition batches handled at once on PostgreSQL: each holds a pooled connection (the pool has 10)."""

PROBE_TIMEOUT_S = 5.0
"""How long the database has to answer after a run overran its deadline before the overrun is put
down to an outage rather than to the handler."""


class _Decoded(NamedTuple):
    """A record and its event (a tuple: made once per record consumed)."""

    record: ConsumerRecord  # type: ignore[type-arg]
    event: ReceivedEvent


class EventConsumer:
    """Runs one consumer group: decodes, dispatches by type string, retries, dead-letters.

    An event whose type is not subscribed is skipped (counted as ``ignored``); an unknown version
    of a subscribed family, an unparsable record and a payload that does not fit its class are
    dead-lettered without running a handler. Handler failures are classified by
    `shared.bus.failures.classify`: permanent ones are dead-lettered at once, retryable ones after
    `max_attempts` runs with exponential backoff, infrastructure ones retried without limit.

    Args:
        service: the service's name, for metrics and logs.
        consumer: a started aiokafka consumer subscribed to the table's topics, auto-commit off.
        producer: a started producer, used only for the dead-letter topic.
        unit_of_work: the service's unit of work; it commits once around each batch or event.
        subscriptions: the service's table of payload classes and handlers.
        group: the consumer group the inbox rows are written for.
        dead_letter_topic: the full dead-letter topic name (prefix included).
        batch_size: the most records fetched at once.
        max_attempts: handler runs of a retryable failure before the event is dead-lettered.
        retry_backoff_s: the first retry's delay; it doubles with each attempt.
        clock: where `ReceivedEvent.now` comes from; the system clock by default.
        max_backoff_s: the longest wait between retries during an infrastructure outage.
        handler_timeout_s: the longest one batch or one event's transaction may take; past it the
            run is cancelled (a connection that hangs through a database restart must not hold the
            partition for ever). It is then retried as an infrastructure failure if the database
            does not answer `database_probe` at once, else counted as a handler attempt (a handler
            that never finishes on an event is dead-lettered, not retried for ever).
        database_probe: asks the database whether it answers; by default one `SELECT 1` in a unit
            of work, cut off after `PROBE_TIMEOUT_S`.
        parallel_partitions: how many partitions' batches of one fetch are handled at once, each
            in its own transaction (one partition's records stay in order). None chooses
            `PARALLEL_PARTITIONS` on PostgreSQL and 1 elsewhere (SQLite has one writer anyway).
        lag_interval_s: how often the lag gauge is sampled from the broker (`sample_lag`), besides
            each commit.
        handover: the rebalance listener the aiokafka consumer was subscribed with
            (`make_consumer(handover=...)`); bound here, so a revocation waits for the fetch in
            hand to be stored and committed (`hand_over`).
        handover_timeout_s: the longest a revocation waits for that; the whole group's rebalance
            waits with it. Past it the partitions go with the batch still in hand (the new owner's
            inbox skips what this replica stores).
    """

    def __init__(
        self,
        *,
        service: str,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer | RenewableProducer,
        unit_of_work: UnitOfWork,
        subscriptions: Subscriptions,
        group: str,
        dead_letter_topic: str,
        batch_size: int = 500,
        max_attempts: int = 5,
        retry_backoff_s: float = 0.2,
        clock: Clock | None = None,
        max_backoff_s: float = 30.0,
        handler_timeout_s: float = 60.0,
        parallel_partitions: int | None = None,
        database_probe: Callable[[], Awaitable[object]] | None = None,
        lag_interval_s: float = 15.0,
        handover: Handover | None = None,
        handover_timeout_s: float = 10.0,
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
        self._max_backoff_s = max_backoff_s
        self._handler_timeout_s = handler_timeout_s
        self._database_probe = database_probe or self._select_one
        self._outage_waiters = 0
        self._paused: set[TopicPartition] = set()
        self._poll_lock = asyncio.Lock()
        self._lag_interval_s = lag_interval_s
        self._committed: dict[TopicPartition, int] = {}
        self._handover_timeout_s = handover_timeout_s
        self._idle = asyncio.Event()
        self._idle.set()
        if handover is not None:
            handover.bind(self)
        if parallel_partitions is None:
            parallel_partitions = PARALLEL_PARTITIONS if _on_postgresql(unit_of_work) else 1
        self._parallel = max(1, parallel_partitions)

    async def run(self) -> None:
        """Consume until cancelled, committing each fetch's offsets after its batches are stored.

        The aiokafka consumer must already be started; stopping it is the caller's job.

        Raises:
            asyncio.CancelledError: on shutdown; a batch cut short is re-delivered and the
                inbox skips what had been committed.
        """
        sampler = asyncio.create_task(self._sample_lag_every_interval(), name=f"{self._service}-lag")
        try:
            await self._consume()
        finally:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)

    async def _consume(self) -> None:
        while True:
            batches = {tp: records for tp, records in (await self._fetch()).items() if records}
            self._idle.clear()
            try:
                await self._handle_fetch(batches)
            finally:
                self._idle.set()

    async def _handle_fetch(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:  # type: ignore[type-arg]
        if not batches:
            return
        if len(batches) > 1 and self._parallel > 1:
            # Partitions are independent: while one batch waits on the database another's
            # Python runs. Each keeps its own transaction and its records' order.
            async with asyncio.TaskGroup() as group:
                for records in batches.values():
                    group.create_task(self.process_partition_batch(records))
        else:
            for records in batches.values():
                await self.process_partition_batch(records)
        await self._commit({tp: records[-1].offset + 1 for tp, records in batches.items()})

    async def hand_over(self, revoked: set[TopicPartition]) -> None:
        """Called by `Handover` before the group takes `revoked` away: wait (at most
        `handover_timeout_s`) until the fetch in hand is stored and its offsets committed, so the
        new owner starts after it; then forget the revoked partitions' pause, commit and lag.

        Args:
            revoked: the partitions this member gives up.
        """
        try:
            async with asyncio.timeout(self._handover_timeout_s):
                await self._idle.wait()
        except TimeoutError:
            log.warning(
                "%s hands over %s with a batch still in hand; the new owner's inbox skips what is stored",
                self._service,
                sorted(revoked),
            )
        for tp in revoked:
            self._committed.pop(tp, None)
            self._paused.discard(tp)
            # another replica reports this partition's lag now (no error if it was never set)
            CONSUMER_LAG.remove(self._service, tp.topic, str(tp.partition))
        log.info("%s gave up partitions %s", self._service, sorted(revoked))

    def take_over(self, assigned: set[TopicPartition]) -> None:
        """Called by `Handover` with the member's new assignment (logged; lag is sampled next).

        Args:
            assigned: the member's whole new assignment.
        """
        log.info("%s owns partitions %s", self._service, sorted(assigned))

    async def _fetch(self) -> dict[TopicPartition, list[ConsumerRecord]]:  # type: ignore[type-arg]
        """One fetch: up to `batch_size` records of one partition, then (when partitions are
        handled in parallel) whatever is already buffered for up to `parallel_partitions - 1` more,
        `batch_size` each. aiokafka fills a `getmany` from one partition while it has records, so
        asking per partition is what gives the parallel path more than one batch to work on."""
        batches = await self._consumer.getmany(timeout_ms=500, max_records=self._batch_size)
        if self._parallel <= 1 or not batches:
            return batches
        for tp in sorted(self._consumer.assignment()):
            if len(batches) >= self._parallel:
                break
            if tp not in batches:
                more = await self._consumer.getmany(tp, timeout_ms=0, max_records=self._batch_size)
                batches.update(more)
        return batches

    async def _commit(self, handled: dict[TopicPartition, int]) -> None:
        """One commit for every partition of the fetch, each batch already in the DB.

        A rebalance can take a partition away while its batch is being handled; its offset is
        then not ours to commit, and the new owner re-reads from the last commit (the inbox
        skips what this replica stored). So a revoked partition is dropped, and a commit the
        coordinator refuses mid-rebalance is logged, not raised: crashing the consumer would
        only start another rebalance.
        """
        assigned = self._consumer.assignment()
        mine = {tp: offset for tp, offset in handled.items() if tp in assigned}
        if not mine:
            return
        try:
            await self._consumer.commit(mine)
        except (CommitFailedError, IllegalStateError) as exc:
            log.info("offsets not committed during a rebalance (%s); the inbox covers it", exc)
            return
        for tp, next_offset in mine.items():
            self._record_lag(tp, next_offset)

    async def process_partition_batch(self, records: list[ConsumerRecord]) -> None:  # type: ignore[type-arg]
        """Handle one partition's records in order, without committing offsets.

        Args:
            records: consecutive records of one partition, as fetched.

        Returns once every record is handled, skipped as a duplicate or not subscribed, or
        dead-lettered; it keeps retrying (and so holds the partition) while the infrastructure
        is down.
        """
        decoded: list[_Decoded] = []
        received = self._clock.now()  # one instant for the fetch's batch: it arrived at once
        for record in records:
            event = self.decode(record, received)
            if isinstance(event, ReceivedEvent):
                decoded.append(_Decoded(record, event))
            elif event is not None:
                await self._dead_letter(record, event)
        if not decoded:
            return
        runs: Counter[str] = Counter()
        try:
            await self._handle_batch(decoded, runs)
        except _BatchFailed as failed:
            log.info("batch of %d failed (%r); handling one by one", len(decoded), failed.error)
            for item in decoded:
                mine = failed.error if failed.event_id == item.event.id else None
                await self._handle_with_retries(item, runs[item.event.id], mine)

    def decode(self, record: ConsumerRecord, received: datetime) -> ReceivedEvent | DeadLetter | None:  # type: ignore[type-arg]
        """Parse the envelope and payload: the event, the dead letter for what cannot be parsed
        (or is a version this build does not know), or None for a type not subscribed (counted
        as ignored). Not a coroutine: it runs for every record, the dead-lettering rarely.

        Args:
            record: the record as fetched.
            received: when it was fetched (the handler's `now`).
        """
        try:
            envelope = CloudEvent.from_bytes(record.value or b"")
            if envelope.type not in self._subscriptions:
                if self._subscriptions.subscribes_to_family_of(envelope.type):
                    error = PermanentError(
                        f"{envelope.type}: a version of a subscribed type this build does not know"
                    )
                    return DeadLetter(UNKNOWN_VERSION, error, 0)
                EVENTS_CONSUMED.labels(self._service, envelope.type, "ignored").inc()
                return None
            model = self._subscriptions.payload_class(envelope.type)
            payload = model.model_validate(envelope.data)
            return ReceivedEvent(envelope, payload, received, record.value or b"")
        except (ValidationError, ValueError, PermanentError) as exc:
            return DeadLetter(MALFORMED, exc, 0)

    async def _handle_batch(self, items: list[_Decoded], runs: Counter[str]) -> None:
        """All of a partition batch in one transaction; counts each handler run in `runs`.

        The batch is first claimed as new (`claim(expect_new=True)`, the cheaper insert); a batch
        that holds an event handled before (redelivered after a crash or a rebalance, or a
        relay's second send) is rolled back before any handler ran and claimed again, skipping
        those events.

        Raises:
            _BatchFailed: naming the event whose handler raised (None if the claim or the
                commit failed), so the one-by-one path can attribute the failure.
        """
        try:
            await self._run_batch(items, runs, expect_new=True)
        except AlreadyClaimed:
            log.info("batch of %d holds events handled before; claiming it again without them", len(items))
            await self._run_batch(items, runs, expect_new=False)

    async def _run_batch(self, items: list[_Decoded], runs: Counter[str], *, expect_new: bool) -> None:
        """One try of `_handle_batch`; `AlreadyClaimed` passes through unwrapped."""
        handled: Counter[str] = Counter()
        duplicates: Counter[str] = Counter()
        done: list[CloudEvent] = []
        durations: dict[str, list[float]] = {}
        failing: str | None = None
        deadline = asyncio.timeout(self._handler_timeout_s)
        try:
            async with deadline, self._unit_of_work() as session:
                envelopes = [i.event.envelope for i in items]
                pairs = [(e.id, e.type) for e in envelopes]
                fresh = await claim(session, self._group, pairs, expect_new=expect_new)
                for item, envelope in zip(items, envelopes, strict=True):
                    event_id, event_type = envelope.id, envelope.type
                    if event_id not in fresh:
                        duplicates[event_type] += 1
                        continue
                    fresh.discard(event_id)  # a second copy later in the batch is a duplicate
                    runs[event_id] += 1
                    failing = event_id
                    with _event_context(item.event, self._service, durations):
                        await self._subscriptions.handler(event_type)(session, item.event)
                    failing = None
                    handled[event_type] += 1
                    done.append(envelope)
        except AlreadyClaimed:
            raise
        except Exception as exc:
            raise _BatchFailed(failing, _overran(exc, deadline, self._handler_timeout_s)) from exc
        finally:  # a failed batch's runs count too, as a run of `handle_event` that raised does
            for event_type, seconds in durations.items():
                observe_many(per_event_child(EVENT_HANDLER_DURATION, self._service, event_type), seconds)
        for event_type, count in handled.items():
            EVENTS_CONSUMED.labels(self._service, event_type, "handled").inc(count)
        for event_type, count in duplicates.items():
            EVENTS_CONSUMED.labels(self._service, event_type, "duplicate").inc(count)
        self._observe_latency(done)

    async def _handle_with_retries(
        self, item: _Decoded, runs: int = 0, error: BaseException | None = None
    ) -> None:
        """Handle one event in its own transaction until it succeeds or is dead-lettered.

        `attempts` counts handler runs that failed through the event's (or handler's) fault,
        including a run in the failed batch (`runs`, `error`): `dlq.attempts` is how often the
        handler ran. Infrastructure failures are retried without limit and are not counted.
        """
        event = item.event
        attempts = runs if error is not None else 0
        outage = 0
        while True:
            if error is not None:
                kind = await self._judge(error)
                if kind is FailureKind.PERMANENT:
                    await self._dead_letter(item.record, DeadLetter(PERMANENT, error, attempts))
                    return
                if kind is FailureKind.RETRYABLE and attempts >= self._max_attempts:
                    await self._dead_letter(item.record, DeadLetter(EXHAUSTED, error, attempts))
                    return
                if kind is FailureKind.INFRASTRUCTURE:
                    outage += 1
                    delay = min(self._max_backoff_s, self._retry_backoff_s * 2 ** min(outage, 16))
                    log.warning(
                        "event %s waits for the infrastructure (%r); retry in %.1fs", event.id, error, delay
                    )
                    await self._wait_out_outage(delay)
                else:
                    delay = self._retry_backoff_s * 2 ** max(attempts - 1, 0)
                    log.warning("event %s attempt %d failed: %r", event.id, attempts, error)
                    await asyncio.sleep(delay)
            try:
                outcome = await self._handle_one(event)
                EVENTS_CONSUMED.labels(self._service, event.envelope.type, outcome).inc()
                if outcome == "handled":
                    self._observe_latency([event.envelope])
                return
            except Exception as exc:
                self._count_failure(event, exc)
                error = exc
                if classify(exc) is not FailureKind.INFRASTRUCTURE:
                    attempts += 1  # a run past the deadline is taken back by `_judge` if need be

    async def _wait_out_outage(self, delay: float) -> None:
        """Pause during an outage without leaving the consumer group.

        A consumer that does not poll for `max_poll_interval_ms` (5 minutes) is taken out of its
        group, and its partitions move to another replica, which waits on the same database: a
        rebalance storm and redelivered batches for nothing. So while any event waits out an
        outage, every assigned partition is paused and the consumer polls (a paused partition
        returns no records) before each pause, which is never longer than `max_backoff_s`.
        Partitions resume when the last waiter is done.
        """
        self._outage_waiters += 1
        try:
            await self._poll_paused()
            await asyncio.sleep(delay)
        finally:
            self._outage_waiters -= 1
            if self._outage_waiters == 0:
                self._resume_paused()

    async def _poll_paused(self) -> None:
        """One poll with every assigned partition paused: it keeps the member in its group and
        fetches nothing. Should a record come back all the same (a partition assigned between the
        pause and the poll), its partition is rewound to it, so nothing is skipped."""
        async with self._poll_lock:
            assigned = set(self._consumer.assignment())
            if assigned:
                self._consumer.pause(*assigned)
                self._paused |= assigned
            polled = await self._consumer.getmany(timeout_ms=0)
            for tp, records in polled.items():
                if records:
                    self._consumer.seek(tp, records[0].offset)

    def _resume_paused(self) -> None:
        still_ours = self._paused & set(self._consumer.assignment())
        if still_ours:
            self._consumer.resume(*still_ours)
        self._paused.clear()

    async def _judge(self, error: BaseException) -> FailureKind:
        """`classify`, except that a run past the deadline is the infrastructure's when the
        database does not answer now (it hung through an outage), the handler's when it does."""
        kind = classify(error)
        if isinstance(error, HandlerDeadlineExceeded):
            try:
                async with asyncio.timeout(min(PROBE_TIMEOUT_S, self._handler_timeout_s)):
                    await self._database_probe()
            except Exception as probe_error:
                log.warning("a run past its deadline while the database does not answer (%r)", probe_error)
                return FailureKind.INFRASTRUCTURE
        return kind

    async def _select_one(self) -> None:
        async with self._unit_of_work() as session:
            await session.execute(text("SELECT 1"))

    async def _handle_one(self, event: ReceivedEvent) -> str:  # type: ignore[type-arg]
        deadline = asyncio.timeout(self._handler_timeout_s)
        try:
            async with deadline:
                return await handle_event(
                    self._unit_of_work, self._subscriptions, self._group, event, service=self._service
                )
        except TimeoutError as exc:
            raise _overran(exc, deadline, self._handler_timeout_s) from exc

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

    def _observe_latency(self, envelopes: list[CloudEvent]) -> None:
        """End-to-end latency of events just committed: now minus each CloudEvent's `time`."""
        now = self._clock.now()
        by_type: dict[str, list[float]] = {}
        for envelope in envelopes:
            seconds = max(0.0, (now - envelope.time).total_seconds())  # producers' clocks may run ahead
            by_type.setdefault(envelope.type, []).append(seconds)
        for event_type, latencies in by_type.items():
            observe_many(per_event_child(EVENT_END_TO_END_LATENCY, self._service, event_type), latencies)

    def _count_failure(self, event: ReceivedEvent, exc: BaseException) -> None:
        EVENTS_FAILED.labels(self._service, event.envelope.type, type(exc).__name__).inc()

    def _record_lag(self, tp: TopicPartition, next_offset: int) -> None:
        self._committed[tp] = next_offset
        highwater = self._consumer.highwater(tp)
        if highwater is not None:
            CONSUMER_LAG.labels(self._service, tp.topic, str(tp.partition)).set(
                max(0, highwater - next_offset)
            )

    async def sample_lag(self) -> None:
        """Set the lag gauge of every assigned partition from the broker's end offsets and this
        group's committed offsets.

        A commit also sets it, but nothing is committed while the consumer waits out an outage
        or a partition is stuck, which is when operators need the lag to grow; and a paused
        partition is not fetched, so its high-water mark goes stale. Hence a request to the
        broker, every `lag_interval_s`.
        """
        assigned = sorted(self._consumer.assignment())
        if not assigned:
            return
        ends = await self._consumer.end_offsets(assigned)
        for tp in assigned:
            committed = self._committed.get(tp)
            if committed is None:
                committed = await self._consumer.committed(tp)
            if committed is None:  # nothing committed yet: the group starts at the earliest record
                committed = (await self._consumer.beginning_offsets([tp]))[tp]
            CONSUMER_LAG.labels(self._service, tp.topic, str(tp.partition)).set(max(0, ends[tp] - committed))

    async def _sample_lag_every_interval(self) -> None:
        while True:
            await asyncio.sleep(self._lag_interval_s)
            try:
                await self.sample_lag()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker is away: the next sample will tell
                log.debug("consumer lag not sampled: %r", exc)


async def handle_event(
    unit_of_work: UnitOfWork,
    subscriptions: Subscriptions,
    group: str,
    event: ReceivedEvent,  # type: ignore[type-arg]
    *,
    service: str | None = None,
) -> str:
    """Handle one event in its own unit of work, exactly once per consumer group.

    The inbox row and the handler's writes commit together; a redelivered event finds its row.
    The consumer's one-by-one path uses it, and so do the handler tests.

    Args:
        unit_of_work: the service's unit of work.
        subscriptions: the service's subscription table (must contain the event's type).
        group: the consumer group the inbox row is written for.
        event: the decoded event.
        service: when given, the handler's run is recorded in `event_handler_duration_seconds`.

    Returns:
        "handled", or "duplicate" when the group had handled this event id before.

    Raises:
        Exception: whatever the handler, the inbox claim or the commit raises; nothing is then
            written (the inbox row rolls back with the handler's writes).
    """
    async with unit_of_work() as session:
        if not await claim(session, group, [(event.id, event.envelope.type)]):
            return "duplicate"
        with _event_context(event, service):
            await subscriptions.handler(event.envelope.type)(session, event)
    return "handled"


def _on_postgresql(unit_of_work: UnitOfWork | None) -> bool:
    """Whether the unit of work's sessions are bound to a PostgreSQL engine."""
    sessions = getattr(unit_of_work, "sessions", None)
    bind = getattr(sessions, "kw", {}).get("bind")
    return bind is not None and bind.dialect.name == "postgresql"


def _overran(error: BaseException, deadline: asyncio.Timeout, timeout_s: float) -> BaseException:
    """The consumer's deadline passing, told apart from a timeout raised inside the run."""
    if isinstance(error, TimeoutError) and deadline.expired():
        return HandlerDeadlineExceeded(timeout_s)
    return error


class _BatchFailed(Exception):
    """A partition batch failed; `event_id` is the event whose handler raised, if one did."""

    def __init__(self, event_id: str | None, error: BaseException) -> None:
        super().__init__(repr(error))
        self.event_id = event_id
        self.error = error


class _event_context:
    """Sets correlation, causation and event ids for logs and for events the handler stages, runs
    the handler in a span that is a child of the event's `traceparent` (when tracing is on), and
    records the run's duration for `service` (when given), whether it succeeded or raised: at
    once, or into `durations` by type for the batch to record together (`observe_many`)."""

    __slots__ = ("_durations", "_event", "_ids", "_service", "_started", "_trace")

    def __init__(
        self,
        event: ReceivedEvent,
        service: str | None = None,
        durations: dict[str, list[float]] | None = None,
    ) -> None:
        self._event = event
        self._service = service
        self._durations = durations
        self._ids: tuple[Token[str | None], Token[str | None], Token[str | None]] | None = None
        self._trace: tracing.EventScope | None = None
        self._started = 0.0

    def __enter__(self) -> None:
        env = self._event.envelope
        event_id = env.id
        self._ids = (
            correlation_id_var.set(env.correlationid or event_id),
            causation_id_var.set(event_id),
            event_id_var.set(event_id),
        )
        self._trace = tracing.event_scope(env.type, event_id, env.model_extra)
        if self._trace is not None:
            self._trace.__enter__()
        self._started = time.perf_counter()

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if self._service is not None:
            elapsed = time.perf_counter() - self._started
            event_type = self._event.envelope.type
            if self._durations is not None:
                self._durations.setdefault(event_type, []).append(elapsed)
            else:
                per_event_child(EVENT_HANDLER_DURATION, self._service, event_type).observe(elapsed)
        if self._trace is not None:
            self._trace.__exit__(exc_type, exc, tb)
        if self._ids is not None:
            correlation, causation, event_id = self._ids
            event_id_var.reset(event_id)  # in the reverse order of setting
            causation_id_var.reset(causation)
            correlation_id_var.reset(correlation)

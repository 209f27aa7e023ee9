"""Rebuild a projection from the start of its topics: partitions split among worker processes.

A projection (reporting's rollups) is derived from events alone, so it can be rebuilt by handling
every event again into a fresh database (`renovation replay`). Each worker reads the partitions
it was given from their first offset to the end they had when the rebuild began (`spans`), in
no consumer group (nothing to join, rebalance or commit: a rebuild that stops is started again on
a fresh database). The records go through the service's own decoding (`EventConsumer.decode`),
inbox claim and handlers, a chunk of up to `REBUILD_CHUNK` records in one transaction (the
projections' deltas merged per row until the commit); a chunk that fails is rolled back and
handled again batch by batch by the service's `EventConsumer` (`process_partition_batch`), with
the live consumer's retries, one-by-one fallback and dead-lettering.

Why processes: a live consumer's batches are small because it keeps up with a trickle, and one
Python process is one core; a rebuild has the whole history in Kafka already. On PostgreSQL the
partitions are split among `workers` processes by their record counts, each with its own event
loop and pool (handlers are commutative across partitions: the live service spreads them over
replicas the same way). SQLite has one writer, so it gets one worker.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import queue
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from shared.bus.inbox import record_new_in_bulk
from shared.bus.kafka import PLAINTEXT, KafkaSecurity, make_producer, make_reader
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.clock import utcnow

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from shared.bus.consumer import EventConsumer
    from shared.db import UnitOfWork

__all__ = [
    "REBUILD_BATCH",
    "REBUILD_CHUNK",
    "RebuildJob",
    "end_offsets",
    "rebuild",
    "rebuild_partitions",
    "split",
    "topic_partitions",
]

log = logging.getLogger(__name__)

REBUILD_BATCH = 5_000
"""Records of one partition fetched at once during a rebuild (a live consumer takes 500), and
the size of a batch when a chunk is handled batch by batch."""

REBUILD_CHUNK = 200_000
"""Records handled in one transaction during a rebuild. Why so many: the projections merge their
deltas per row in memory until the commit, and a history's events fall on far fewer rows than
there are events (182,177 events on 16,210 district-day rows in the bench), so the fewer the
commits, the fewer the row writes. A chunk that fails (a record that cannot be decoded, a
handler's error, the database away) is rolled back and handled again batch by batch, each batch
in its own transaction with the live consumer's retries, one-by-one fallback and dead-lettering.
The inbox rows of a chunk are one row per event, as the live consumer writes them."""

PROGRESS_EVERY_S = 0.2
"""How often a worker process reports its count of handled records to the parent."""


@dataclass(frozen=True)
class RebuildJob:
    """What every worker needs to rebuild (picklable: it crosses to spawned processes).

    Attributes:
        service: the service's name (metrics, logs, client ids).
        subscriptions: the module whose ``SUBSCRIPTIONS`` table the service consumes with,
            e.g. ``services.reporting.handlers``.
        database_url: the fresh database (already migrated).
        bootstrap_servers: Kafka's brokers.
        group: the consumer group the inbox rows are written for.
        dead_letter_topic: where an event that cannot be handled goes (full name).
        security: Kafka's TLS and SASL settings.
        batch_size: records of one partition per fetch (`REBUILD_BATCH`).
        chunk_events: records per transaction (`REBUILD_CHUNK`).
        max_attempts: handler runs of a retryable failure before an event is dead-lettered.
        retry_backoff_s: the first retry's delay.
        gc_thresholds: the collector thresholds the service's processes run with (None: as is).
    """

    service: str
    subscriptions: str
    database_url: str
    bootstrap_servers: str
    group: str
    dead_letter_topic: str
    security: KafkaSecurity = PLAINTEXT
    batch_size: int = REBUILD_BATCH
    chunk_events: int = REBUILD_CHUNK
    max_attempts: int = 5
    retry_backoff_s: float = 0.2
    gc_thresholds: tuple[int, int, int] | None = None


async def end_offsets(
    bootstrap_servers: str, topics: list[str], security: KafkaSecurity = PLAINTEXT
) -> dict[TopicPartition, int]:
    """Every non-empty partition of `topics` and its end now: the offset after its last committed
    record (``read_committed``: an open transaction's records are not counted).

    Args:
        bootstrap_servers: Kafka's brokers.
        topics: full topic names.
        security: Kafka's TLS and SASL settings.

    Returns:
        Partition → end offset, for the partitions that hold records.
    """
    probe = make_reader(bootstrap_servers, "renovation-rebuild-probe", security=security)
    await probe.start()
    try:
        partitions = await topic_partitions(probe, topics)
        if not partitions:
            return {}
        ends = await probe.end_offsets(partitions)
        return {tp: offset for tp, offset in ends.items() if offset > 0}
    finally:
        await probe.stop()


async def topic_partitions(client: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    """Every partition of `topics`, asked of the brokers (a started client in no subscription has
    no metadata cached for them).

    Args:
        client: a started consumer.
        topics: full topic names; one that does not exist has none.

    Returns:
        The partitions, topic by topic in partition order.
    """
    metadata = await client._client.fetch_all_metadata()  # noqa: SLF001
    return [
        TopicPartition(topic, number)
        for topic in topics
        for number in sorted(metadata.partitions_for_topic(topic) or ())
    ]


def split(spans: Mapping[TopicPartition, int], workers: int) -> list[dict[TopicPartition, int]]:
    """The partitions in at most `workers` shares of about equal record counts (largest first,
    each to the lightest share so far).

    Args:
        spans: partition → end offset (its record count, read from the start).
        workers: the most shares wanted.

    Returns:
        The shares, none empty.
    """
    shares: list[dict[TopicPartition, int]] = [{} for _ in range(max(1, min(workers, len(spans))))]
    loads = [0] * len(shares)
    for tp, end in sorted(spans.items(), key=lambda item: (-item[1], item[0])):
        lightest = loads.index(min(loads))
        shares[lightest][tp] = end
        loads[lightest] += end
    return [share for share in shares if share]


async def rebuild_partitions(
    job: RebuildJob,
    spans: Mapping[TopicPartition, int],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Handle every record of `spans` (partition → end offset) from the start, in this process.

    Args:
        job: the rebuild.
        spans: the partitions to read and the offset each ends at (records from there on are
            left to the live service).
        progress: called with the records read so far after each round of fetches (never less
            than before: a chunk read again after a failure is not counted twice).

    Returns:
        The records read (handled, skipped as duplicates or not subscribed, or dead-lettered).
    """
    from shared.bus.consumer import EventConsumer
    from shared.db import UnitOfWork, create_engine, create_sessions

    engine = create_engine(job.database_url)
    reader = make_reader(job.bootstrap_servers, f"{job.service}-rebuild", security=job.security)
    producer = make_producer(job.bootstrap_servers, f"{job.service}-rebuild", security=job.security)
    await producer.start()
    await reader.start()
    try:
        unit_of_work = UnitOfWork(create_sessions(engine))
        subscriptions = import_module(job.subscriptions).SUBSCRIPTIONS
        handler = EventConsumer(
            service=job.service,
            consumer=reader,
            producer=producer,
            unit_of_work=unit_of_work,
            subscriptions=subscriptions,
            group=job.group,
            dead_letter_topic=job.dead_letter_topic,
            batch_size=job.batch_size,
            max_attempts=job.max_attempts,
            retry_backoff_s=job.retry_backoff_s,
        )
        return await _Rebuild(job, reader, handler, unit_of_work, subscriptions, spans, progress).run()
    finally:
        await reader.stop()
        await producer.stop()
        await engine.dispose()


class _Unclean(Exception):
    """A record the fold does not take (it cannot be decoded): its chunk goes batch by batch."""


class _Rebuild:
    """One process's rebuild of its partitions: chunks folded into one transaction each, and a
    chunk that fails handled again batch by batch the way the live consumer would."""

    def __init__(
        self,
        job: RebuildJob,
        reader: AIOKafkaConsumer,
        handler: EventConsumer,
        unit_of_work: UnitOfWork,
        subscriptions: Subscriptions,
        spans: Mapping[TopicPartition, int],
        progress: Callable[[int], None] | None,
    ) -> None:
        self._job = job
        self._reader = reader
        self._handler = handler
        self._unit_of_work = unit_of_work
        self._subscriptions = subscriptions
        self._spans = dict(spans)
        self._progress = progress
        self._remaining = {tp: end for tp, end in spans.items() if end > 0}
        self._seen: set[str] = set()  # ids of the events handled (or skipped as copies) so far
        self.read = 0
        self._reported = 0  # the most `progress` was told: a chunk read again does not go back

    async def run(self) -> int:
        """Read every partition to its end; returns the records read."""
        self._reader.assign(list(self._remaining))
        if self._remaining:
            await self._reader.seek_to_beginning(*self._remaining)
        while self._remaining:
            starts = {tp: await self._reader.position(tp) for tp in self._remaining}
            read_before = self.read
            try:
                await self._fold_chunk()
            except Exception as error:
                log.warning("rebuild chunk failed (%r); handling it again batch by batch", error)
                self.read = read_before
                self._remaining = {tp: self._spans[tp] for tp in starts}
                for tp, offset in starts.items():
                    self._reader.seek(tp, offset)
                self._reader.resume(*starts)
                await self._chunk_batch_by_batch()
        return self.read

    async def _fold_chunk(self) -> None:
        """Up to `chunk_events` records of every partition in ONE transaction: each new event's
        handler run, then the chunk's inbox rows in one bulk insert and the projections' merged
        deltas written once, at the commit."""
        chunk_end = self.read + self._job.chunk_events
        handled: dict[str, str] = {}  # event id → type, in this chunk
        async with self._unit_of_work() as session:
            while self._remaining and self.read < chunk_end:
                batches = await _fetch_round(self._reader, self._remaining, self._job.batch_size)
                received = utcnow()
                for records in batches:
                    await self._fold(session, records, received, handled)
                await self._advance(batches)
            await record_new_in_bulk(session, self._job.group, handled)
        self._seen.update(handled)

    async def _fold(
        self,
        session: AsyncSession,
        records: list[ConsumerRecord],  # type: ignore[type-arg]
        received: datetime,
        handled: dict[str, str],
    ) -> None:
        """Decode and handle one partition's batch; an event seen before (a relay's second send)
        is skipped. Why a set, not the inbox's conflict check: a copy of an event has its key, so
        its partition, so its worker; a copy this set cannot know of (a topic whose partitions
        were added to between the sends) fails the inbox's key at the commit, and the chunk goes
        batch by batch."""
        seen = self._seen
        for record in records:
            event = self._handler.decode(record, received)
            if not isinstance(event, ReceivedEvent):
                if event is None:
                    continue  # not subscribed
                raise _Unclean(f"{record.topic}[{record.partition}]@{record.offset}: {event.reason}")
            envelope = event.envelope
            event_id = envelope.id
            if event_id in seen or event_id in handled:
                continue
            handled[event_id] = envelope.type
            await self._subscriptions.handler(envelope.type)(session, event)

    async def _chunk_batch_by_batch(self) -> None:
        """The next `chunk_events` records the live consumer's way: a transaction per partition
        batch, a failing batch one event at a time, with retries and dead-lettering."""
        chunk_end = self.read + self._job.chunk_events
        while self._remaining and self.read < chunk_end:
            batches = await _fetch_round(self._reader, self._remaining, self._job.batch_size)
            await asyncio.gather(*(self._handler.process_partition_batch(b) for b in batches))
            self._note_handled(batches)
            await self._advance(batches)

    def _note_handled(self, batches: list[list[ConsumerRecord]]) -> None:  # type: ignore[type-arg]
        """The ids of the events a batch-by-batch round handled (or skipped), so a later chunk
        skips their copies without asking the inbox."""
        received = utcnow()
        for records in batches:
            for record in records:
                event = self._handler.decode(record, received)
                if isinstance(event, ReceivedEvent):
                    self._seen.add(event.envelope.id)

    async def _advance(self, batches: list[list[ConsumerRecord]]) -> None:  # type: ignore[type-arg]
        """Count a round's records and retire the partitions that reached their end."""
        self.read += sum(len(b) for b in batches)
        for tp, end in list(self._remaining.items()):
            if await self._reader.position(tp) >= end:
                del self._remaining[tp]
                self._reader.pause(tp)
        if self._progress is not None and self.read > self._reported:
            self._reported = self.read
            self._progress(self.read)


async def _fetch_round(
    reader: AIOKafkaConsumer, remaining: Mapping[TopicPartition, int], batch_size: int
) -> list[list[ConsumerRecord]]:  # type: ignore[type-arg]
    """Up to `batch_size` records of each partition in `remaining`, those before its end only;
    waits (up to half a second) only when nothing at all is buffered."""
    fetched = await reader.getmany(timeout_ms=500, max_records=batch_size)
    for tp in remaining:
        if tp not in fetched:
            fetched.update(await reader.getmany(tp, timeout_ms=0, max_records=batch_size))
    batches = []
    for tp, records in fetched.items():
        end = remaining.get(tp, 0)
        mine = [r for r in records if r.offset < end] if records and records[-1].offset >= end else records
        if mine:
            batches.append(mine)
    return batches


async def rebuild(
    job: RebuildJob,
    spans: Mapping[TopicPartition, int],
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild from `spans` with up to `workers` processes (one: in this process).

    Args:
        job: the rebuild.
        spans: every partition to read and its end (`end_offsets`).
        workers: processes to split the partitions among; more than the partitions is no use.
        progress: called with the records read so far, summed over the workers.

    Returns:
        The records read.

    Raises:
        RuntimeError: a worker failed (its traceback in the message); the others are stopped.
    """
    shares = split(spans, workers)
    if len(shares) <= 1:
        return await rebuild_partitions(job, shares[0] if shares else {}, progress)
    context = multiprocessing.get_context("spawn")
    reports: multiprocessing.Queue[tuple[int, str, object]] = context.Queue()
    processes = [
        context.Process(target=_worker_main, args=(job, share, index, reports), name=f"rebuild-{index}")
        for index, share in enumerate(shares)
    ]
    for process in processes:
        process.start()
    counts = [0] * len(processes)
    finished: set[int] = set()
    try:
        while len(finished) < len(processes):
            try:
                index, kind, value = await asyncio.to_thread(reports.get, True, 0.5)
            except queue.Empty:
                for i, process in enumerate(processes):
                    if i not in finished and not process.is_alive():
                        raise RuntimeError(
                            f"rebuild worker {i} exited with code {process.exitcode}"
                        ) from None
                continue
            if kind == "failed":
                raise RuntimeError(f"rebuild worker {index} failed:\n{value}")
            counts[index] = int(value)  # type: ignore[call-overload]
            if kind == "done":
                finished.add(index)
            if progress is not None:
                progress(sum(counts))
        return sum(counts)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        reports.close()


def _worker_main(
    job: RebuildJob,
    share: dict[TopicPartition, int],
    index: int,
    reports: multiprocessing.Queue[tuple[int, str, object]],
) -> None:
    """A worker process: rebuild its share, reporting its count every `PROGRESS_EVERY_S`."""
    if job.gc_thresholds is not None:  # as the service's runner sets them (shared/web/collector.py)
        gc.set_threshold(*job.gc_thresholds)
    last = 0.0

    def report(read: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            reports.put((index, "progress", read))

    try:
        read = asyncio.run(rebuild_partitions(job, share, report))
    except BaseException:
        reports.put((index, "failed", traceback.format_exc()))
        raise
    reports.put((index, "done", read))

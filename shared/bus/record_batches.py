"""Hands the relay's records to the producer as one record batch per partition.

Why: `AIOKafkaProducer.send` does per record what a batch of rows for one partition needs once:
it awaits the topic's metadata, checks the transaction, estimates the size, finds the
partition's open batch, makes a future and, on the ack, a `RecordMetadata` for it. That was
about half of the relay's CPU per event, as much as a raw producer spends. aiokafka's batch API
(`create_batch`, `send_batch`) takes the records of one partition as one unit with one future,
so the relay appends each record to its partition's builder and submits the builder when it is
full or the rows run out.

What stays as `send` gives it:
- a key's records keep their order: they map to one partition, are appended in row order, and a
  partition's builders are submitted in order;
- a key's partition is Kafka's default mapping (`KeyPartitioner`, what `make_producer` installs);
- a record too large to share a batch (over `SINGLE_RECORD_BYTES`) goes through `send` on its
  own, after what its partition has in hand, so the producer's own size check refuses it alone;
- after a key's record fails to enqueue, that key's later records are held back. After a batch
  fails to enqueue, every later record is held back, whatever its partition: aiokafka waits up
  to its request timeout for a partition's previous batch to drain before it takes the next, so
  during a broker outage each further partition would wait that long again (the old per-record
  `send` only waited when a partition's open batch was full).

A producer without the batch API (the handler tests' stand-ins) gets one `send` per record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from shared.bus.partitioner import KeyPartitioner

__all__ = ["SINGLE_RECORD_BYTES", "Outcome", "OutgoingRecord", "send_records"]

SINGLE_RECORD_BYTES = 64 * 1024
"""A record larger than this is sent alone through `send` (and its size checked there)."""

Outcome = asyncio.Future[Any] | BaseException | None
"""Per record: its ack future (shared by its batch), the error that kept it from being enqueued,
or None when it was held back behind an earlier failure of its key or partition."""

_PARTITIONER = KeyPartitioner()


class OutgoingRecord(NamedTuple):
    """One record to publish: the full topic name, the key and the value, both serialised (a
    tuple: the relay makes one per row it sends)."""

    topic: str
    key: bytes
    value: bytes


@dataclass(slots=True)
class _OpenBatch:
    builder: Any
    indices: list[int] = field(default_factory=list)


async def send_records(
    producer: Any, records: Sequence[OutgoingRecord], headers: list[tuple[str, bytes]]
) -> list[Outcome]:
    """Enqueue `records` in order: one record batch per partition where the producer can.

    Args:
        producer: an `AIOKafkaProducer` or `RenewableProducer` (batches), or anything with an
            aiokafka-style ``send`` (one record at a time).
        records: the records, in the order their keys must keep.
        headers: the headers every record carries.

    Returns:
        One `Outcome` per record, in the order given.
    """
    if not (hasattr(producer, "create_batch") and hasattr(producer, "send_batch")):
        return await _one_by_one(producer, records, headers)
    return await _Batches(producer, headers).send(records)


async def _one_by_one(
    producer: Any, records: Sequence[OutgoingRecord], headers: list[tuple[str, bytes]]
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    stuck: set[bytes] = set()
    for record in records:
        if record.key in stuck:
            outcomes.append(None)
            continue
        try:
            outcomes.append(
                await producer.send(record.topic, value=record.value, key=record.key, headers=headers)
            )
        except Exception as exc:  # metadata timeout, broker unreachable, record too large
            outcomes.append(exc)
            stuck.add(record.key)
    return outcomes


class _Batches:
    """One call's builders: at most one open per partition."""

    def __init__(self, producer: Any, headers: list[tuple[str, bytes]]) -> None:
        self._producer = producer
        self._headers = headers
        self._partitions: dict[str, list[int] | BaseException] = {}
        self._open: dict[tuple[str, int], _OpenBatch] = {}
        self._stuck_keys: set[bytes] = set()
        self._halted = False
        self._outcomes: list[Outcome] = []

    async def send(self, records: Sequence[OutgoingRecord]) -> list[Outcome]:
        self._outcomes = [None] * len(records)
        for index, record in enumerate(records):
            await self._add(index, record)
        for tp in list(self._open):
            await self._submit(tp)
        return self._outcomes

    async def _add(self, index: int, record: OutgoingRecord) -> None:
        if self._halted or record.key in self._stuck_keys:
            return
        partitions = self._partitions.get(record.topic)
        if type(partitions) is not list:  # not asked yet in this call, or the asking failed
            try:
                partitions = await self._topic_partitions(record.topic)
            except Exception as exc:  # no metadata for the topic (broker unreachable)
                self._fail(index, record, exc)
                return
        tp = (record.topic, _PARTITIONER(record.key, partitions, partitions))
        if len(record.value) + len(record.key) > SINGLE_RECORD_BYTES:
            await self._send_alone(index, record, tp)
            return
        batch = self._open.get(tp)
        if batch is None:
            batch = self._open[tp] = _OpenBatch(self._producer.create_batch())
        if (
            batch.builder.append(timestamp=None, key=record.key, value=record.value, headers=self._headers)
            is None
        ):
            await self._submit(tp)  # full: a fresh builder always takes its first record
            if self._halted:
                return
            batch = self._open[tp] = _OpenBatch(self._producer.create_batch())
            batch.builder.append(timestamp=None, key=record.key, value=record.value, headers=self._headers)
        batch.indices.append(index)

    async def _topic_partitions(self, topic: str) -> list[int]:
        """The topic's partitions, asked for once per call; a topic whose metadata could not be
        had fails its later records at once rather than each waiting out the producer's timeout
        again."""
        partitions = self._partitions.get(topic)
        if isinstance(partitions, BaseException):
            raise partitions
        try:
            found = sorted(await self._producer.partitions_for(topic))
        except Exception as exc:
            self._partitions[topic] = exc
            raise
        self._partitions[topic] = found
        return found

    async def _send_alone(self, index: int, record: OutgoingRecord, tp: tuple[str, int]) -> None:
        if tp in self._open:
            await self._submit(tp)  # what the partition has in hand goes first
            if self._halted:
                return
        try:
            self._outcomes[index] = await self._producer.send(
                record.topic, value=record.value, key=record.key, partition=tp[1], headers=self._headers
            )
        except Exception as exc:  # over the producer's max_request_size, or not enqueued in time
            self._fail(index, record, exc)

    async def _submit(self, tp: tuple[str, int]) -> None:
        """Hand the partition's open batch to the producer; after a batch could not be, the
        others' records are held back instead (their outcomes stay None)."""
        batch = self._open.pop(tp)
        if self._halted:
            return
        batch.builder.close()  # nothing else may be appended to it through `send`
        outcome: Outcome
        try:
            outcome = await self._producer.send_batch(batch.builder, tp[0], partition=tp[1])
        except Exception as exc:  # not enqueued within the request timeout, producer closed
            outcome = exc
            self._halted = True
        for index in batch.indices:
            self._outcomes[index] = outcome

    def _fail(self, index: int, record: OutgoingRecord, error: BaseException) -> None:
        self._outcomes[index] = error
        self._stuck_keys.add(record.key)

"""Read and write topics directly, as an outside observer of the platform would."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord

from shared.bus.kafka import make_admin, make_consumer


async def produce_raw(bootstrap: str, topic: str, values: list[bytes], key: bytes | None = None) -> None:
    """Send raw record values, in order, with one key (so they share a partition)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str, topic: str, count: int, timeout_s: float = 30.0
) -> list[ConsumerRecord[Any, Any]]:
    """Read `count` records from the start of `topic` without a consumer group."""
    records = await read_topic_until(bootstrap, topic, lambda read: len(read) >= count, timeout_s)
    assert len(records) >= count, f"expected {count} records on {topic}, got {len(records)}"
    return records


async def read_topic_until(
    bootstrap: str,
    topic: str,
    done: Callable[[list[ConsumerRecord[Any, Any]]], bool],
    timeout_s: float = 30.0,
) -> list[ConsumerRecord[Any, Any]]:
    """Read `topic` from the start, without a consumer group, until `done(records so far)` or
    the timeout; the caller asserts on what came. Why a predicate: a topic that other tests write
    to may already hold enough records while the one asked about is still on its way."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord[Any, Any]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not done(records) and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


def headers_of(record: ConsumerRecord[Any, Any]) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


async def partition_leader(bootstrap: str, topic: str, partition: int) -> int:
    """The broker id leading `partition` of `topic`."""
    admin = make_admin(bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return next(p["leader"] for p in described["partitions"] if p["partition"] == partition)


async def records_so_far(
    bootstrap: str, topic: str, timeout_s: float = 30.0
) -> list[ConsumerRecord[Any, Any]]:
    """Every record on `topic` from the start up to its end offsets when asked (no group)."""
    consumer = make_consumer(bootstrap, f"probe-{uuid.uuid4().hex[:6]}", [], "probe")
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        ends = {tp: end for tp, end in (await consumer.end_offsets(partitions)).items() if end}
        if not ends:
            return []
        consumer.assign(list(ends))
        await consumer.seek_to_beginning(*ends)
        found: list[ConsumerRecord[Any, Any]] = []
        deadline = time.monotonic() + timeout_s
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            assert time.monotonic() < deadline, f"{topic} not read to its end within {timeout_s}s"
            batches = await consumer.getmany(timeout_ms=500)
            for tp, records in batches.items():
                found += [r for r in records if r.offset < ends[tp]]
        return found
    finally:
        await consumer.stop()


async def dead_letter_reasons(bootstrap: str, topic: str) -> list[str]:
    """Every record's `dlq.reason` on the dead-letter topic, read from the start."""
    return [dict(r.headers).get("dlq.reason", b"").decode() for r in await records_so_far(bootstrap, topic)]

"""Read and write topics directly, as an outside observer of the platform would."""

from __future__ import annotations

import asyncio
import time
import uuid
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
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord[Any, Any]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(records) < count and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    assert len(records) >= count, f"expected {count} records on {topic}, got {len(records)}"
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


async def dead_letter_reasons(bootstrap: str, topic: str) -> list[str]:
    """Every record's `dlq.reason` on the dead-letter topic, read from the start."""
    consumer = make_consumer(bootstrap, f"probe-{uuid.uuid4().hex[:6]}", [], "probe")
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        ends = await consumer.end_offsets(partitions)
        wanted = sum(ends.values())
        if not wanted:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        reasons: list[str] = []
        deadline = time.monotonic() + 30
        while len(reasons) < wanted and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                reasons += [dict(r.headers).get("dlq.reason", b"").decode() for r in records]
        return reasons
    finally:
        await consumer.stop()

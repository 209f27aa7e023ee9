"""On a real broker, `send_records` puts each key's records where `send` one by one would, in the
order given, as record batches the idempotent producer numbers and the broker acknowledges."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

from aiokafka import TopicPartition

from shared.bus.kafka import ensure_topics, make_consumer, make_producer
from shared.bus.record_batches import OutgoingRecord, send_records

HEADERS = [("content-type", b"application/cloudevents+json")]


async def test_batched_records_land_in_sends_partitions_in_order(platform) -> None:  # type: ignore[no-untyped-def]
    bootstrap = platform.kafka.bootstrap_servers
    batched, one_by_one = (f"batches.{uuid.uuid4().hex[:8]}.{side}" for side in ("batched", "single"))
    await ensure_topics(bootstrap, [batched, one_by_one], partitions=6)
    keys = [str(uuid.uuid4()).encode() for _ in range(40)]
    values = [(keys[i % 40], f"{i:05d}".encode() * 40) for i in range(1200)]  # 30 records a key
    producer = make_producer(bootstrap, "record-batches-test")
    await producer.start()
    try:
        outcomes = await send_records(producer, [OutgoingRecord(batched, k, v) for k, v in values], HEADERS)
        assert all(isinstance(o, asyncio.Future) for o in outcomes)
        await asyncio.wait_for(asyncio.gather(*set(outcomes)), 30)
        singles = [await producer.send(one_by_one, value=v, key=k, headers=HEADERS) for k, v in values]
        await asyncio.wait_for(asyncio.gather(*singles), 30)
    finally:
        await producer.stop()
    read_batched, read_single = await read_all(bootstrap, batched), await read_all(bootstrap, one_by_one)
    assert sum(len(v) for v in read_batched.values()) == len(values)
    assert read_batched == read_single  # the same partition for each key, the same order in it
    assert len(read_batched) == 6  # and the keys spread over every partition


async def read_all(bootstrap: str, topic: str) -> dict[int, list[tuple[bytes, bytes]]]:
    consumer = make_consumer(bootstrap, f"reader-{uuid.uuid4().hex[:8]}", [topic], "record-batches-test")
    await consumer.start()
    seen: dict[int, list[tuple[bytes, bytes]]] = defaultdict(list)
    try:
        async with asyncio.timeout(30):
            while sum(len(v) for v in seen.values()) < 1200:
                fetched = await consumer.getmany(timeout_ms=500)
                for tp, records in fetched.items():
                    assert isinstance(tp, TopicPartition)
                    for r in records:
                        assert r.headers == tuple((k, v) for k, v in HEADERS)
                        seen[tp.partition].append((r.key, r.value))
    finally:
        await consumer.stop()
    return dict(seen)

"""Scenario: the baseline. N envelopes through an idempotent acks=all producer and a manually
committing consumer, plain aiokafka, on a fresh topic."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.bus.payloads import BATCH, PARTITIONS, make_payloads
from bench.harness import BenchContext, Meter, Usage, wait_assigned
from bench.harness.polling import TIMEOUT_S
from shared.bus.kafka import ensure_topics, make_consumer, make_producer
from shared.bus.relay import HEADERS
from shared.contracts.envelope import CloudEvent


@dataclass
class RawResult:
    n: int
    usage: Usage
    produce_s: float  # first send to last ack

    @property
    def rate(self) -> float:
        return self.n / self.usage.wall_s


async def run_raw(ctx: BenchContext, n: int, run: str) -> RawResult:
    """Timed: from the first send until the last record is consumed and its offset committed."""
    topic = f"bench.{ctx.label}.{run}.raw"
    await ensure_topics(ctx.bootstrap, [topic], PARTITIONS)
    records = [(p.partition_key().encode(), CloudEvent.wrap(p).to_bytes()) for p in make_payloads(n)]
    producer = make_producer(ctx.bootstrap, client_id="bench-raw")
    consumer = make_consumer(ctx.bootstrap, f"bench-{ctx.label}-{run}-raw", [topic], "bench")
    await producer.start()
    await consumer.start()
    try:
        await wait_assigned(consumer)

        async def consume_all() -> None:
            seen = 0
            while seen < n:
                batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
                for tp, batch in batches.items():
                    if batch:
                        seen += len(batch)
                        await consumer.commit({tp: batch[-1].offset + 1})

        with Meter(ctx.probe) as meter:
            started = time.perf_counter()
            consuming = asyncio.create_task(consume_all())
            futures = [
                await producer.send(topic, value=value, key=key, headers=HEADERS) for key, value in records
            ]
            await asyncio.gather(*futures)
            produce_s = time.perf_counter() - started
            await asyncio.wait_for(consuming, TIMEOUT_S)
    finally:
        await consumer.stop()
        await producer.stop()
    return RawResult(n, meter.usage, produce_s)

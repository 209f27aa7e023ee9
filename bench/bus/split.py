"""Scenario: the spine one stage at a time. The relay drains the outbox, then the consumer runs,
then a second consumer group with a no-op handler reads the same records (the bus's own cost)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bench.bus.handlers import HANDLERS, no_write
from bench.bus.payloads import make_payloads
from bench.bus.rig import INBOX, SpineRig
from bench.harness import BatchCounts, BenchContext, DbCounts, Meter, Usage, cancel, wait_until


@dataclass
class Stage:
    """One stage run alone: its time and CPU, database round trips and batches."""

    usage: Usage
    db: DbCounts
    batches: BatchCounts


@dataclass
class SplitResult:
    n: int
    handler: str
    relay: Stage
    consumer: Stage
    bus_only: Stage  # the consumer again, same records, a second group, no-op handler


async def run_split(ctx: BenchContext, n: int, run: str, handler: str) -> SplitResult:
    """Each stage timed on its own, on one database and one topic."""
    rig = await SpineRig.open(ctx, run)
    try:
        consumer_batches, bus_batches = BatchCounts(), BatchCounts()
        consumer = await rig.consumer(INBOX, HANDLERS[handler], consumer_batches)
        bus_only = await rig.consumer("busonly", no_write, bus_batches)
        await rig.insert(make_payloads(n))

        before = rig.db.snapshot()
        with Meter(ctx.probe) as relay_meter:
            relaying = asyncio.create_task(rig.relay.run())
            await wait_until(rig.published_count, n, [relaying])
        relay = Stage(relay_meter.usage, rig.db.snapshot().minus(before), rig.relay_batches)
        await cancel(relaying)

        before = rig.db.snapshot()
        with Meter(ctx.probe) as consumer_meter:
            consuming = asyncio.create_task(consumer.run())
            await wait_until(rig.inbox_count(INBOX), n, [consuming])
        consumed = Stage(consumer_meter.usage, rig.db.snapshot().minus(before), consumer_batches)
        await cancel(consuming)
        await rig.check(n, handler)

        before = rig.db.snapshot()
        with Meter(ctx.probe) as bus_meter:
            consuming = asyncio.create_task(bus_only.run())
            await wait_until(rig.inbox_count("busonly"), n, [consuming])
        bus = Stage(bus_meter.usage, rig.db.snapshot().minus(before), bus_batches)
        await cancel(consuming)
        return SplitResult(n, handler, relay, consumed, bus)
    finally:
        await rig.stop()

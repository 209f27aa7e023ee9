"""Scenario: the spine. N outbox rows added up front (timed apart); timed: the relay and the
consumer running together until N inbox rows are committed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bench.bus.handlers import HANDLERS
from bench.bus.payloads import make_payloads
from bench.bus.rig import INBOX, SpineRig
from bench.harness import BatchCounts, BenchContext, DbCounts, Meter, Usage, cancel, wait_until


@dataclass
class SpineResult:
    n: int
    insert_s: float
    usage: Usage
    db: DbCounts
    relay_batches: BatchCounts
    consumer_batches: BatchCounts

    @property
    def rate(self) -> float:
        return self.n / self.usage.wall_s

    @property
    def insert_rate(self) -> float:
        return self.n / self.insert_s

    @property
    def with_insert_rate(self) -> float:
        return self.n / (self.insert_s + self.usage.wall_s)


async def run_spine(ctx: BenchContext, n: int, run: str, handler: str) -> SpineResult:
    """One flow with `handler`; checks afterwards that every event had exactly one effect."""
    rig = await SpineRig.open(ctx, run)
    try:
        consumer_batches = BatchCounts()
        consumer = await rig.consumer(INBOX, HANDLERS[handler], consumer_batches)
        insert_s = await rig.insert(make_payloads(n))
        before = rig.db.snapshot()
        with Meter(ctx.probe) as meter:
            relaying = asyncio.create_task(rig.relay.run())
            consuming = asyncio.create_task(consumer.run())
            await wait_until(rig.inbox_count(INBOX), n, [relaying, consuming])
        db = rig.db.snapshot().minus(before)
        await wait_until(rig.published_count, n, [relaying, consuming])
        await cancel(relaying, consuming)
        await rig.check(n, handler)
        return SpineResult(n, insert_s, meter.usage, db, rig.relay_batches, consumer_batches)
    finally:
        await rig.stop()

"""The loop every clock-driven sweep runs in: flag what the passing time made due, on a schedule.

Why one: a sweep (overdue weekly reports in reporting, missed step deadlines in the registry) is
a function of the database and `now` that stages its events through the outbox; the loop around
it (its own unit of work per pass, the first pass at start-up, a log line when it did something)
is the same for all, and the runtime's supervisor restarts it when a pass raises.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sized
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.web.runtime import Runtime

__all__ = ["Sweep", "sweep_every"]

log = logging.getLogger(__name__)

Sweep = Callable[[AsyncSession, datetime], Awaitable[Sized]]
"""One pass: given a unit of work and the service clock's `now`, what it flagged (events staged)."""


async def sweep_every(runtime: Runtime, interval_s: float, sweep: Sweep, what: str) -> None:
    """Run `sweep` in a unit of work of its own every `interval_s`, the first pass at once.

    Args:
        runtime: the service's runtime (its units of work and clock).
        interval_s: seconds between passes.
        sweep: the pass.
        what: what a pass flags, for the log line ("overdue weekly reports").
    """
    while True:
        async with runtime.unit_of_work() as session:
            flagged = await sweep(session, runtime.clock.now())
        if flagged:
            log.info("flagged %d %s", len(flagged), what)
        await asyncio.sleep(interval_s)

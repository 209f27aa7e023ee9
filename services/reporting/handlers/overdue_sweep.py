"""The background sweep that flags overdue weekly reports, as the clock passes each deadline."""

from __future__ import annotations

import asyncio
import logging

from services.reporting.handlers.weekly_reports import flag_overdue_reports
from shared.web.runtime import Runtime

log = logging.getLogger(__name__)


async def sweep_overdue_reports(runtime: Runtime) -> None:
    """Every `overdue_sweep_interval_s`, flag each report whose deadline passed (once each)."""
    interval = float(getattr(runtime.settings, "overdue_sweep_interval_s", 300.0))
    while True:
        async with runtime.unit_of_work() as session:
            flagged = await flag_overdue_reports(session, runtime.clock.now())
        if flagged:
            log.info("flagged %d overdue weekly reports", len(flagged))
        await asyncio.sleep(interval)

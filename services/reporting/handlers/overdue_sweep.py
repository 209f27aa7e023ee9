"""The background sweep that flags overdue weekly reports, as the clock passes each deadline."""

from __future__ import annotations

from services.reporting.handlers.weekly_reports import flag_overdue_reports
from shared.web.runtime import Runtime
from shared.web.sweeps import sweep_every


async def sweep_overdue_reports(runtime: Runtime) -> None:
    """Every `overdue_sweep_interval_s`, flag each report whose deadline passed (once each)."""
    interval = float(getattr(runtime.settings, "overdue_sweep_interval_s", 300.0))
    await sweep_every(runtime, interval, flag_overdue_reports, "overdue weekly reports")

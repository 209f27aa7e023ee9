"""Weekly reports, their edges, on SQLite: the background sweep that flags overdue reports on the
runtime's clock every `overdue_sweep_interval_s` (300 s unless set), logging how many it flagged.

The sweep loops forever; its sleep is replaced by one that stops it after the second pass.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from services.reporting.handlers import SUBSCRIPTIONS, overdue_sweep
from services.reporting.models.weekly_reports import OverdueReport
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import JINSHUI, at, registered, shanghai


class _Stop(Exception):
    """Ends the sweep's endless loop from inside its sleep."""


def _sleeper(slept: list[float], passes: int) -> SimpleNamespace:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) >= passes:
            raise _Stop

    return SimpleNamespace(sleep=sleep)


async def _running_programme(harness_for) -> ServiceHarness:  # type: ignore[no-untyped-def]
    harness: ServiceHarness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2026, 11, 16)))  # the programme runs here
    harness.clock.advance(timedelta(days=1))  # Saturday: the week's reports were due on Friday
    return harness


def _runtime(harness: ServiceHarness, **settings: Any) -> Any:
    return SimpleNamespace(
        settings=SimpleNamespace(**settings), unit_of_work=harness.unit_of_work, clock=harness.clock
    )


async def test_the_sweep_flags_each_overdue_report_once_and_logs_how_many(
    harness_for, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    harness = await _running_programme(harness_for)
    slept: list[float] = []
    monkeypatch.setattr(overdue_sweep, "asyncio", _sleeper(slept, passes=2))
    with caplog.at_level(logging.INFO, logger=overdue_sweep.__name__), pytest.raises(_Stop):
        await overdue_sweep.sweep_overdue_reports(_runtime(harness, overdue_sweep_interval_s=7.5))
    assert slept == [7.5, 7.5]
    assert len(await harness.all(OverdueReport)) == 5  # the five Zhengzhou districts, once each
    assert await harness.outbox_types() == ["reporting.weekly_report.overdue.v1"] * 5
    logged = [r.getMessage() for r in caplog.records if r.name == overdue_sweep.__name__]
    assert logged == ["flagged 5 overdue weekly reports"]  # the second pass flagged none: no line


async def test_the_sweep_waits_300_seconds_unless_told_otherwise(
    harness_for, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    harness = await _running_programme(harness_for)
    slept: list[float] = []
    monkeypatch.setattr(overdue_sweep, "asyncio", _sleeper(slept, passes=1))
    with pytest.raises(_Stop):
        await overdue_sweep.sweep_overdue_reports(_runtime(harness))
    assert slept == [300.0]

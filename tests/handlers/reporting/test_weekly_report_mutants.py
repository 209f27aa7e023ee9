"""Weekly reports, their edges, on SQLite: the background sweep that flags overdue reports on the
runtime's clock every `overdue_sweep_interval_s` (300 s unless set), logging how many it flagged;
a report due on the programme's first recorded day is flagged too; one flag per programme, week
and reporter (the conflict target PostgreSQL needs).

The sweep loops forever; its sleep is replaced by one that stops it after the second pass.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event

from services.reporting.handlers import SUBSCRIPTIONS, overdue_sweep
from services.reporting.handlers.weekly_reports import flag_overdue_reports
from services.reporting.models.weekly_reports import OverdueReport
from shared.policy import get_profile
from shared.web import sweeps
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import JINSHUI, PROGRAMME, at, registered, shanghai

SATURDAY = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the day after W47's report day


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
    monkeypatch.setattr(sweeps, "asyncio", _sleeper(slept, passes=2))
    with caplog.at_level(logging.INFO, logger=sweeps.__name__), pytest.raises(_Stop):
        await overdue_sweep.sweep_overdue_reports(_runtime(harness, overdue_sweep_interval_s=7.5))
    assert slept == [7.5, 7.5]
    assert len(await harness.all(OverdueReport)) == 5  # the five Zhengzhou districts, once each
    assert await harness.outbox_types() == ["reporting.weekly_report.overdue.v1"] * 5
    logged = [r.getMessage() for r in caplog.records if r.name == sweeps.__name__]
    assert logged == ["flagged 5 overdue weekly reports"]  # the second pass flagged none: no line


async def test_the_sweep_waits_300_seconds_unless_told_otherwise(
    harness_for, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    harness = await _running_programme(harness_for)
    slept: list[float] = []
    monkeypatch.setattr(sweeps, "asyncio", _sleeper(slept, passes=1))
    with pytest.raises(_Stop):
        await overdue_sweep.sweep_overdue_reports(_runtime(harness))
    assert slept == [300.0]


async def test_a_report_due_on_the_programmes_first_recorded_day_is_flagged(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The sweep checks report days on or after the first day the programme has figures."""
    harness: ServiceHarness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2026, 11, 20)))  # Friday, the W47 report day
    profiles = {PROGRAMME: get_profile(PROGRAMME)}
    flagged = await harness.run(lambda s: flag_overdue_reports(s, SATURDAY, profiles))
    assert {(e.week, e.due_on) for e in flagged} == {("2026-W47", date(2026, 11, 20))}
    assert len(flagged) == 5


async def test_a_flag_is_inserted_once_per_programme_week_and_reporter(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await _running_programme(harness_for)
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_insert", False):
            statements.append(str(clauseelement.compile(dialect=conn.dialect)))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        await harness.run(
            lambda s: flag_overdue_reports(s, harness.clock.now(), {PROGRAMME: get_profile(PROGRAMME)})
        )
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)
    flags = [s for s in statements if "INSERT INTO weekly_report_overdue" in s]
    assert len(flags) == 5
    assert all("ON CONFLICT (programme_code, week_start, reporter_code) DO NOTHING" in s for s in flags)

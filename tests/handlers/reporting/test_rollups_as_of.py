"""Rollups as of the end of a day, an ISO week and a month in Asia/Shanghai: what was true then."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.rollups import district_rollup, district_rollups
from shared.errors import NotFound
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    approved,
    at,
    district,
    office,
    registered,
    shanghai,
)


async def _history(harness) -> None:  # type: ignore[no-untyped-def]
    """Jinshui registers on Sun 2026-11-15 and Mon 11-16, 23:30 of Sun 11-22 and Tue 12-01; an award on 11-20."""
    for moment in (
        shanghai(2026, 11, 15),
        shanghai(2026, 11, 16),
        shanghai(2026, 11, 22, hour=23),  # 15:00 UTC: still Sunday in Shanghai
        shanghai(2026, 12, 1),
    ):
        await harness.redeliver(at(registered(JINSHUI), moment))
    await harness.redeliver(at(approved(JINSHUI, amount_fen=300_00), shanghai(2026, 11, 20)))
    await harness.redeliver(at(registered(ERQI), shanghai(2026, 12, 1)))


async def _as_of(harness, period: Period, on: date, actor=None):  # type: ignore[no-untyped-def]
    return await harness.run(lambda s: district_rollups(s, actor or office(), period_span(period, on)))


async def test_a_week_rollup_counts_everything_up_to_its_sunday_and_what_changed_in_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _history(harness)
    (jinshui,) = await _as_of(harness, Period.WEEK, date(2026, 11, 18))
    assert (jinshui.period_label, jinshui.period_start, jinshui.as_of) == (
        "2026-W47",
        date(2026, 11, 16),
        date(2026, 11, 22),
    )
    assert jinshui.registered_projects == 3  # Sunday before, Monday, Sunday 23:00
    assert jinshui.in_period is not None and jinshui.in_period.registered_projects == 2
    assert (jinshui.approved_award_fen, jinshui.in_period.approved_award_fen) == (300_00, 300_00)


async def test_a_day_rollup_is_what_was_true_at_that_midnight_not_now(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _history(harness)
    (jinshui,) = await _as_of(harness, Period.DAY, date(2026, 11, 16))
    assert (jinshui.registered_projects, jinshui.approved_award_fen) == (2, 0)
    assert jinshui.in_period is not None and jinshui.in_period.registered_projects == 1
    now = await harness.run(lambda s: district_rollups(s, office()))
    assert [(r.district_code, r.registered_projects, r.period) for r in now] == [
        (ERQI, 1, None),
        (JINSHUI, 4, None),
    ]


async def test_a_month_rollup_ends_on_its_last_day(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _history(harness)
    november = await _as_of(harness, Period.MONTH, date(2026, 11, 1))
    assert [(r.district_code, r.registered_projects, r.as_of) for r in november] == [
        (JINSHUI, 3, date(2026, 11, 30))
    ]
    december = await _as_of(harness, Period.MONTH, date(2026, 12, 31))
    assert [(r.district_code, r.registered_projects) for r in december] == [(ERQI, 1), (JINSHUI, 4)]
    assert [r.in_period.registered_projects for r in december if r.in_period] == [1, 1]


async def test_a_district_has_no_figures_before_its_first_event(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _history(harness)
    assert [r.district_code for r in await _as_of(harness, Period.DAY, date(2026, 11, 30))] == [JINSHUI]
    with pytest.raises(NotFound):
        await harness.run(
            lambda s: district_rollup(s, office(), ERQI, period_span(Period.DAY, date(2026, 11, 30)))
        )


async def test_a_district_sees_only_its_own_rollup_as_of_any_period(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _history(harness)
    mine = await _as_of(harness, Period.MONTH, date(2026, 12, 1), actor=district(ERQI))
    assert [r.district_code for r in mine] == [ERQI]
    with pytest.raises(NotFound):
        await harness.run(lambda s: district_rollup(s, district(ERQI), JINSHUI))

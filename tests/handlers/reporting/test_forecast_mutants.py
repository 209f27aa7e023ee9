"""Year-end forecasts, their edges, on SQLite: acceptances before the year count in `done` but not
in this year's pace; the recent window never reaches back past 31 December; a district sees its
own forecast wherever it sorts; a bound district with no figures has done nothing; an unknown
programme is a problem naming the `programme` field.

Each projection is worked out by hand: pace = accepted this year / days elapsed (or recent
acceptances / the window's days), projected = done + ⌊pace × days left⌋.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.domain.forecast import ForecastMethod
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.forecast import district_forecasts
from shared.errors import RuleViolation
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import (
    JINSHUI,
    PROGRAMME,
    accepted,
    at,
    district,
    office,
    registered,
    shanghai,
)


async def _accept(harness: ServiceHarness, *days: date) -> None:
    for _ in range(10):
        await harness.redeliver(at(registered(JINSHUI), shanghai(2018, 1, 5)))
    for day in days:
        await harness.redeliver(at(accepted(JINSHUI, accepted_on=day), shanghai(2019, 6, 30)))


async def test_acceptances_before_the_year_count_as_done_but_not_in_the_years_pace(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _accept(harness, date(2018, 12, 1), date(2018, 12, 31), date(2019, 2, 1))
    found = await harness.run(lambda s: district_forecasts(s, office(), PROGRAMME, 2019, date(2019, 7, 1)))
    by = {f.district_code: f for f in found}
    jinshui = by[JINSHUI]
    # 1 this year in 182 days; 183 days left: 3 + ⌊183/182⌋ = 4
    assert (jinshui.done, jinshui.done_this_year, jinshui.projected_year_end) == (3, 1, 4)
    huiji = by["zz-huiji"]  # bound by the plan, no figures at all
    assert (huiji.task, huiji.done, huiji.done_this_year, huiji.projected_year_end) == (0, 0, 0, 0)


async def test_the_recent_window_in_early_january_starts_on_the_first_of_the_year(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _accept(harness, date(2018, 12, 20), date(2019, 1, 5))
    found = await harness.run(
        lambda s: district_forecasts(s, office(), PROGRAMME, 2019, date(2019, 1, 10), ForecastMethod.RECENT)
    )
    jinshui = {f.district_code: f for f in found}[JINSHUI]
    # the window is the year's 10 days, holding 1 acceptance: 2 + ⌊355/10⌋ = 37
    assert (jinshui.done, jinshui.done_this_year, jinshui.projected_year_end) == (2, 1, 37)
    assert jinshui.pace_per_week == "0.70"


async def test_a_district_sees_its_own_forecast_though_others_sort_before_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _accept(harness, date(2019, 2, 1))
    found = await harness.run(
        lambda s: district_forecasts(s, district(JINSHUI), PROGRAMME, 2019, date(2019, 7, 1))
    )
    assert [f.district_code for f in found] == [JINSHUI]


async def test_an_unknown_programme_is_a_problem_naming_the_programme_field(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    with pytest.raises(RuleViolation) as refused:
        await harness.run(lambda s: district_forecasts(s, office(), "atlantis-2019", 2019, date(2019, 7, 1)))
    assert [(e.field, e.rule) for e in refused.value.errors] == [("programme", "unknown_programme")]


async def test_the_recent_pace_of_a_district_whose_first_figures_fall_in_the_window(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Nothing was counted before the window, so all its acceptances are recent: 1 in 28 days,
    183 days left: 1 + ⌊183/28⌋ = 7."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.redeliver(at(registered(JINSHUI), shanghai(2019, 6, 20)))
    await harness.redeliver(at(accepted(JINSHUI, accepted_on=date(2019, 6, 20)), shanghai(2019, 6, 20)))
    found = await harness.run(
        lambda s: district_forecasts(s, office(), PROGRAMME, 2019, date(2019, 7, 1), ForecastMethod.RECENT)
    )
    assert {f.district_code: f for f in found}[JINSHUI].projected_year_end == 7


async def test_a_weekly_pace_of_exactly_half_a_hundredth_rounds_up(harness_for) -> None:  # type: ignore[no-untyped-def]
    """1 accepted in the 56 days to 25 February: 7/56 = 0.125 a week, shown as 0.13 (half up)."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _accept(harness, date(2019, 2, 1))
    found = await harness.run(lambda s: district_forecasts(s, office(), PROGRAMME, 2019, date(2019, 2, 25)))
    assert {f.district_code: f for f in found}[JINSHUI].pace_per_week == "0.13"


async def test_a_programme_without_targets_forecasts_no_target(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Zhongyuan 2013 sets neither yearly shares nor a deadline target."""
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    found = await harness.run(
        lambda s: district_forecasts(s, office(), "zhongyuan-2013", 2013, date(2013, 9, 1))
    )
    assert found and all(
        (f.target_by_year_end, f.will_miss, f.shortfall) == (None, None, None) for f in found
    )

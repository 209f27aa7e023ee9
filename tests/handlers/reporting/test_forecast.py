"""Year-end forecasts on SQLite: each district's pace projected to 31 December against its target."""

from __future__ import annotations

from datetime import date

from services.reporting.domain.forecast import ForecastMethod
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.forecast import district_forecasts
from tests.handlers.reporting.events import (
    ERQI,
    JINSHUI,
    PROGRAMME,
    accepted,
    at,
    district,
    office,
    registered,
    shanghai,
)

JULY_1 = date(2019, 7, 1)  # day 182 of 2019; 183 days left


async def _city(harness) -> None:  # type: ignore[no-untyped-def]
    for code, days in (
        (JINSHUI, (date(2019, 2, 1), date(2019, 3, 1), date(2019, 6, 20))),
        (ERQI, (date(2019, 2, 1),)),
    ):
        for _ in range(10):
            await harness.redeliver(at(registered(code), shanghai(2019, 1, 5)))
        for day in days:
            await harness.redeliver(at(accepted(code, accepted_on=day), shanghai(2019, 6, 30)))


async def test_the_linear_forecast_names_the_district_that_will_miss_the_year(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    found = await harness.run(lambda s: district_forecasts(s, office(), PROGRAMME, 2019, JULY_1))
    by = {f.district_code: f for f in found}
    # 一(三): half of 10 by the end of 2019 → 5. Jinshui 3 in 182 days → 3 + ⌊3 × 183/182⌋ = 6
    jinshui = by[JINSHUI]
    assert (jinshui.projected_year_end, jinshui.target_by_year_end, jinshui.will_miss) == (6, 5, False)
    assert (jinshui.as_of, jinshui.done_this_year, jinshui.pace_per_week) == (JULY_1, 3, "0.12")
    # Erqi 1 in 182 days → 1 + ⌊183/182⌋ = 2: it will miss by 3
    erqi = by[ERQI]
    assert (erqi.projected_year_end, erqi.will_miss, erqi.shortfall) == (2, True, 3)
    assert by["zz-huiji"].task == 0 and by["zz-huiji"].will_miss is False


async def test_the_recent_pace_sees_a_late_surge_and_a_past_year_projects_what_was_done(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _city(harness)
    recent = await harness.run(
        lambda s: district_forecasts(s, office(), PROGRAMME, 2019, JULY_1, ForecastMethod.RECENT)
    )
    by = {f.district_code: f for f in recent}
    # Jinshui: 1 in the last 28 days → 3 + ⌊183/28⌋ = 9; Erqi: none lately → stays at 1
    assert (by[JINSHUI].projected_year_end, by[ERQI].projected_year_end) == (9, 1)
    over = await harness.run(lambda s: district_forecasts(s, office(), PROGRAMME, 2019, date(2020, 3, 1)))
    by = {f.district_code: f for f in over}
    assert (by[JINSHUI].as_of, by[JINSHUI].projected_year_end, by[ERQI].will_miss) == (
        date(2019, 12, 31),
        3,
        True,
    )
    mine = await harness.run(lambda s: district_forecasts(s, district(ERQI), PROGRAMME, 2019, JULY_1))
    assert [f.district_code for f in mine] == [ERQI]

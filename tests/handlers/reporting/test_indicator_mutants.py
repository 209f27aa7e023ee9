"""Indicator standings, their edges, on SQLite.

Zhengzhou 2019 一(二)4: professional property management coverage must rise year on year
(逐年提高), so a district's latest value is judged against its own latest value of the previous
year; without one there is nothing to compare. Zhengzhou 2018 三(三): 4 to 7 public toilets per km²,
both bounds shown. A district sees its own standing wherever it sorts; another programme's
reports never add districts or values to this one's standings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.indicators import indicator_standings, submit_indicator_report
from services.reporting.models.indicators import IndicatorReportCreate
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import ERQI, JINSHUI, district, office

ZZ2019, ZZ2018, KAIFENG = "zhengzhou-2019", "zhengzhou-2018", "kaifeng-2019"
COVERAGE = "professional-property-coverage"
LATER = datetime(2021, 1, 1, 2, tzinfo=UTC)


async def _file(
    harness: ServiceHarness,
    district_code: str,
    indicator: str,
    numerator: str,
    on: date,
    programme: str = ZZ2019,
) -> None:
    body = IndicatorReportCreate(
        programme_code=programme,
        indicator_code=indicator,
        measured_on=on,
        numerator=numerator,
        denominator="100" if indicator in (COVERAGE, "green-space-ratio") else None,
        source="住建局物业台账",
    )
    await harness.run(lambda s: submit_indicator_report(s, district(district_code), body, LATER))


def _by(standings: list, district_code: str, indicator: str):  # type: ignore[no-untyped-def,type-arg]
    (found,) = [s for s in standings if s.district_code == district_code and s.indicator_code == indicator]
    return found


async def test_a_rising_indicator_is_judged_against_the_districts_latest_value_of_the_year_before(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _file(harness, JINSHUI, COVERAGE, "30", date(2019, 3, 1))
    await _file(harness, JINSHUI, COVERAGE, "40", date(2019, 12, 31))  # the latest of 2019
    await _file(harness, JINSHUI, COVERAGE, "35", date(2019, 6, 1))  # filed later, measured earlier
    await _file(harness, JINSHUI, COVERAGE, "20", date(2018, 12, 31))  # two years before: not compared
    await _file(harness, JINSHUI, COVERAGE, "45", date(2020, 5, 1))
    standings = await harness.run(lambda s: indicator_standings(s, office(), ZZ2019, date(2020, 6, 30)))
    jinshui = _by(standings, JINSHUI, COVERAGE)
    assert (jinshui.value, jinshui.previous_year_value, jinshui.status) == ("0.45", "0.4", "met")


async def test_a_rising_indicator_not_above_last_years_value_is_not_met(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _file(harness, JINSHUI, COVERAGE, "40", date(2019, 12, 31))
    await _file(harness, JINSHUI, COVERAGE, "40", date(2020, 5, 1))
    standings = await harness.run(lambda s: indicator_standings(s, office(), ZZ2019, date(2020, 6, 30)))
    assert _by(standings, JINSHUI, COVERAGE).status == "not_met"


async def test_a_rising_indicator_with_nothing_from_the_year_before_cannot_be_judged(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _file(harness, ERQI, COVERAGE, "50", date(2020, 5, 1))
    await _file(harness, ERQI, COVERAGE, "60", date(2020, 6, 1))
    standings = await harness.run(lambda s: indicator_standings(s, office(), ZZ2019, date(2020, 6, 30)))
    erqi = _by(standings, ERQI, COVERAGE)
    assert (erqi.value, erqi.previous_year_value, erqi.status) == ("0.6", None, "no_previous_year")


async def test_a_district_sees_its_own_standing_wherever_it_sorts(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _file(harness, JINSHUI, COVERAGE, "45", date(2020, 5, 1))
    standings = await harness.run(
        lambda s: indicator_standings(s, district(JINSHUI), ZZ2019, date(2020, 6, 30))
    )
    assert {s.district_code for s in standings} == {JINSHUI}


async def test_another_programmes_reports_add_no_district_to_the_standings(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await _file(harness, "kf-gulou", "green-space-ratio", "24", date(2020, 6, 1), programme=KAIFENG)
    standings = await harness.run(lambda s: indicator_standings(s, office(), ZZ2019, date(2020, 6, 30)))
    assert "kf-gulou" not in {s.district_code for s in standings}
    assert {s.district_code for s in standings} == {
        "zz-erqi",
        "zz-guancheng",
        "zz-huiji",
        "zz-jinshui",
        "zz-zhongyuan",
    }


async def test_a_range_indicator_shows_both_bounds(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    standings = await harness.run(lambda s: indicator_standings(s, office(), ZZ2018, date(2019, 6, 30)))
    toilets = _by(standings, JINSHUI, "public-toilet-density")
    assert (toilets.target, toilets.target_upper, toilets.status) == ("4", "7", "not_reported")

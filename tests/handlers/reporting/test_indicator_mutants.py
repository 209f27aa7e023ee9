"""Indicator standings, their edges, on SQLite.

Zhengzhou 2019 一(二)4: professional property management coverage must rise year on year
(逐年提高), so a district's latest value is judged against its own latest value of the previous
year; without one there is nothing to compare. Zhengzhou 2018 三(三): 4 to 7 public toilets per km²,
both bounds shown. A district sees its own standing wherever it sorts; another programme's
reports never add districts or values to this one's standings.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.indicators import indicator_standings, submit_indicator_report
from services.reporting.models.indicators import IndicatorReport, IndicatorReportCreate
from shared.access import OrganisationKind, Principal, Scope
from shared.audit import AuditEntry
from shared.errors import Conflict, Forbidden, RuleViolation
from tests.handlers.harness import ServiceHarness
from tests.handlers.reporting.events import ERQI, JINSHUI, department, district, office

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


def _body(
    on: date, numerator: str = "9950", indicator: str = "main-road-lights-lit"
) -> IndicatorReportCreate:
    return IndicatorReportCreate(
        programme_code=ZZ2018,
        indicator_code=indicator,
        measured_on=on,
        numerator=numerator,
        denominator="10000",
        source="城管局路灯巡查台账",
    )


NOW = datetime(2019, 1, 10, 2, tzinfo=UTC)  # 10:00 on 10 January in Shanghai


async def test_only_a_district_with_its_code_reports_and_is_told_why_otherwise(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    no_code = Principal("x", JINSHUI, OrganisationKind.DISTRICT, frozenset({Scope.REPORTING_READ}))
    for actor in (no_code, department("housing")):
        with pytest.raises(Forbidden) as refused:
            await harness.run(lambda s, a=actor: submit_indicator_report(s, a, _body(date(2019, 1, 9)), NOW))
        assert refused.value.detail == "indicator values are reported by the district they measure"
    assert await harness.all(IndicatorReport) == []


async def test_a_measurement_of_today_is_filed_and_one_of_tomorrow_is_refused_naming_the_day(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    filed = await harness.run(
        lambda s: submit_indicator_report(s, district(JINSHUI), _body(date(2019, 1, 10)), NOW)
    )
    assert filed.measured_on == date(2019, 1, 10)
    with pytest.raises(RuleViolation) as refused:
        await harness.run(
            lambda s: submit_indicator_report(s, district(JINSHUI), _body(date(2019, 1, 11)), NOW)
        )
    assert refused.value.detail == "2019-01-11 has not come yet"
    assert [(e.field, e.rule, e.message) for e in refused.value.errors] == [
        ("measured_on", "not_in_future", "on or before 2019-01-10 (Asia/Shanghai)")
    ]


async def test_a_report_is_audited_with_its_indicator_day_and_value_and_a_second_one_of_the_day_refused(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_insert", False):
            statements.append(str(clauseelement.compile(dialect=conn.dialect)))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        filed = await harness.run(
            lambda s: submit_indicator_report(s, district(JINSHUI), _body(date(2019, 1, 9)), NOW)
        )
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)
    (insert,) = [s for s in statements if "INSERT INTO indicator_report" in s]
    assert "ON CONFLICT (programme_code, district_code, indicator_code, measured_on) DO NOTHING" in insert
    (entry,) = [e for e in await harness.all(AuditEntry) if e.action == "indicator.reported"]
    assert (entry.record_type, entry.record_id) == ("indicator_report", str(filed.id))
    after = json.loads(entry.after)
    assert (after["indicator"], after["measured_on"]) == ("main-road-lights-lit", "2019-01-09")
    assert Decimal(after["value"]) == Decimal("0.995")  # 9950 lit of 10000
    with pytest.raises(Conflict) as again:
        await harness.run(
            lambda s: submit_indicator_report(s, district(JINSHUI), _body(date(2019, 1, 9), "1"), NOW)
        )
    assert again.value.detail == f"{JINSHUI} already reported main-road-lights-lit for 2019-01-09"

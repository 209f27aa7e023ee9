"""Indicator reports on SQLite: districts file values with their data; standings judged on a day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.indicators import indicator_standings, submit_indicator_report
from services.reporting.models.indicators import IndicatorReportCreate
from shared.errors import Conflict, Forbidden, RuleViolation
from tests.handlers.reporting.events import department, district, office

ZZ2018 = "zhengzhou-2018"
KAIFENG = "kaifeng-2019"
JINSHUI = "zz-jinshui"
NOW = datetime(2019, 1, 10, 2, 0, tzinfo=UTC)


def _report(
    indicator: str, numerator: str, denominator: str | None, on: date, **kw: Any
) -> IndicatorReportCreate:
    return IndicatorReportCreate(
        programme_code=kw.pop("programme_code", ZZ2018),
        indicator_code=indicator,
        measured_on=on,
        numerator=numerator,
        denominator=denominator,
        source="城管局路灯巡查台账",
        **kw,
    )


def _by(standings: list[Any], district_code: str, indicator: str) -> Any:
    (found,) = [s for s in standings if s.district_code == district_code and s.indicator_code == indicator]
    return found


async def test_lamps_lit_of_lamps_installed_is_judged_against_99_percent(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    filed = await harness.run(
        lambda s: submit_indicator_report(
            s, district(JINSHUI), _report("main-road-lights-lit", "9850", "10000", date(2019, 1, 5)), NOW
        )
    )
    assert (filed.value, filed.numerator, filed.denominator) == ("0.985", "9850", "10000")
    standings = await harness.run(lambda s: indicator_standings(s, office(), ZZ2018, date(2019, 1, 10)))
    lit = _by(standings, JINSHUI, "main-road-lights-lit")
    # 三(一) 主干道亮灯率 99%: 98.5% is not met
    assert (lit.status, lit.target, lit.value, lit.clause) == ("not_met", "0.99", "0.985", "三(一)")
    assert lit.report.source == "城管局路灯巡查台账"
    await harness.run(
        lambda s: submit_indicator_report(
            s, district(JINSHUI), _report("main-road-lights-lit", "9950", "10000", date(2019, 1, 9)), NOW
        )
    )
    standings = await harness.run(lambda s: indicator_standings(s, office(), ZZ2018, date(2019, 1, 10)))
    assert _by(standings, JINSHUI, "main-road-lights-lit").status == "met"
    # as of the 6th, the earlier measurement is the one that counted
    earlier = await harness.run(lambda s: indicator_standings(s, office(), ZZ2018, date(2019, 1, 6)))
    assert _by(earlier, JINSHUI, "main-road-lights-lit").status == "not_met"
    assert await harness.audit_actions() == ["indicator.reported", "indicator.reported"]


async def test_hd_video_coverage_is_judged_against_the_target_in_force_on_the_day(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    await harness.run(
        lambda s: submit_indicator_report(
            s, district(JINSHUI), _report("hd-video-coverage", "85", "100", date(2018, 12, 31)), NOW
        )
    )
    end_2018 = await harness.run(lambda s: indicator_standings(s, office(), ZZ2018, date(2018, 12, 31)))
    video = _by(end_2018, JINSHUI, "hd-video-coverage")
    # 三(九): 80% by the end of 2018 ...
    assert (video.status, video.target, video.target_by) == ("met", "0.8", date(2018, 12, 31))
    end_2020 = await harness.run(lambda s: indicator_standings(s, office(), ZZ2018, date(2020, 12, 31)))
    video = _by(end_2020, JINSHUI, "hd-video-coverage")
    # ... and 100% by the end of 2020: the same 85% no longer meets it
    assert (video.status, video.target, video.target_by) == ("not_met", "1", date(2020, 12, 31))
    before = await harness.run(lambda s: indicator_standings(s, office(), ZZ2018, date(2018, 6, 30)))
    recycling = _by(before, JINSHUI, "waste-recycling")
    assert (recycling.status, recycling.target, recycling.target_by) == (
        "no_target_yet",
        "0.35",
        date(2020, 12, 31),
    )
    assert _by(before, "zz-erqi", "hd-video-coverage").status == "no_target_yet"
    assert _by(before, "zz-erqi", "main-road-lights-lit").status == "not_reported"


async def test_kaifeng_green_space_ratio_is_shown_against_25_percent_as_not_binding(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    gulou = "kf-gulou"
    await harness.run(
        lambda s: submit_indicator_report(
            s,
            district(gulou),
            _report("green-space-ratio", "2400", "10000", date(2020, 6, 30), programme_code=KAIFENG),
            datetime(2020, 7, 1, 2, tzinfo=UTC),
        )
    )
    standings = await harness.run(
        lambda s: indicator_standings(s, district(gulou), KAIFENG, date(2020, 7, 1))
    )
    green = _by(standings, gulou, "green-space-ratio")
    assert (green.status, green.target, green.binding, green.clause) == ("not_met", "0.25", False, "五")
    assert {s.district_code for s in standings} == {gulou}


async def test_bad_indicator_reports_are_refused_naming_the_field_and_nothing_is_written(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    cases = [
        (_report("no-such-indicator", "1", "2", date(2019, 1, 5)), "indicator_code", "unknown_indicator"),
        (
            _report("main-road-lights-lit", "11", "10", date(2019, 1, 5)),
            "numerator",
            "numerator_within_denominator",
        ),
        (
            _report("main-road-lights-lit", "1", None, date(2019, 1, 5)),
            "denominator",
            "rate_needs_denominator",
        ),
        (
            _report("cables-buried", "12.5", "100", date(2019, 1, 5)),
            "denominator",
            "value_has_no_denominator",
        ),
        (_report("main-road-lights-lit", "1", "2", date(2019, 1, 11)), "measured_on", "not_in_future"),
    ]
    for body, field, rule in cases:
        with pytest.raises(RuleViolation) as refused:
            await harness.run(lambda s, b=body: submit_indicator_report(s, district(JINSHUI), b, NOW))
        assert [(p.field, p.rule) for p in refused.value.errors] == [(field, rule)]
    with pytest.raises(Forbidden):
        await harness.run(
            lambda s: submit_indicator_report(
                s, department(), _report("cables-buried", "1", None, date(2019, 1, 5)), NOW
            )
        )
    with pytest.raises(ValidationError):
        _report("cables-buried", "1e3", None, date(2019, 1, 5))
    with pytest.raises(ValidationError):
        IndicatorReportCreate.model_validate(
            {
                "programme_code": ZZ2018,
                "indicator_code": "cables-buried",
                "measured_on": "2019-01-05",
                "numerator": 0.1,
                "source": "x",
            }
        )
    assert await harness.audit_actions() == []


async def test_a_second_report_of_the_same_day_is_a_conflict(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    body = _report("cables-buried", "120.5", None, date(2019, 1, 5))
    first = await harness.run(lambda s: submit_indicator_report(s, district(JINSHUI), body, NOW))
    assert first.value == "120.5"
    with pytest.raises(Conflict):
        await harness.run(lambda s: submit_indicator_report(s, district(JINSHUI), body, NOW))
    standings = await harness.run(lambda s: indicator_standings(s, office(), ZZ2018, date(2019, 1, 10)))
    # 三(三) 120 km of cables underground: 120.5 meets it
    assert _by(standings, JINSHUI, "cables-buried").status == "met"

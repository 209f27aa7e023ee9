"""Indicators a district reports and the verdict on a day, worked out from the plans' clauses.

Zhengzhou 2018 三(一) 主干道亮灯率 99%; 三(九) 高清视频技防覆盖率 80% by 2018-12-31 and 100% by
2020-12-31; Kaifeng 五 示范小区 (counties at least 1, districts 2 to 3, by 2020-03-31) and 绿地率
不低于25%; Zhengzhou 2019 物业覆盖率 逐年提高.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.reporting.domain.indicators import (
    IndicatorStatus,
    Judgement,
    check_report,
    judge,
    measured_value,
    reported_indicator,
)
from shared.errors import RuleViolation
from shared.policy import get_profile, indicator

D = Decimal
ZZ2018 = get_profile("zhengzhou-2018")
ZZ2019 = get_profile("zhengzhou-2019")
KF2019 = get_profile("kaifeng-2019")

LIT = indicator(ZZ2018, "main-road-lights-lit")  # ratio, at least 0.99, undated
VIDEO = indicator(ZZ2018, "hd-video-coverage")  # ratio, 0.80 by 2018-12-31, 1.00 by 2020-12-31
CABLES = indicator(ZZ2018, "cables-buried")  # km, at least 120
TOILETS = indicator(ZZ2018, "public-toilet-density")  # per km², between 4 and 7
RADIUS = indicator(ZZ2018, "public-toilet-radius-main-street")  # m, at most 300
SPORTS = indicator(ZZ2018, "sports-ground-per-person")  # m² per person, more than 1.08
DEMO_DISTRICT = indicator(KF2019, "demonstration-communities-district")  # 2 to 3 by 2020-03-31
COVERAGE = indicator(ZZ2019, "professional-property-coverage")  # 逐年提高


def _refusal(excinfo: pytest.ExceptionInfo[RuleViolation]) -> list[tuple[str, str, str]]:
    return [(p.field, p.rule, p.message) for p in excinfo.value.errors]


# --- which indicators a district reports -------------------------------------------------------


def test_a_district_reports_an_indicator_the_plan_sets_for_it() -> None:
    assert reported_indicator(ZZ2018, "zz-jinshui", "hd-video-coverage") is VIDEO
    assert reported_indicator(ZZ2018, "zz-gongyi", "cables-buried") is CABLES  # a county city too


def test_kaifeng_counties_and_districts_answer_for_different_demonstration_counts() -> None:
    county = reported_indicator(KF2019, "kf-lankao", "demonstration-communities-county")
    district = reported_indicator(KF2019, "kf-gulou", "demonstration-communities-district")
    assert (county.code, district.code) == (
        "demonstration-communities-county",
        "demonstration-communities-district",
    )
    # 绿地率 applies to every kind of area
    assert reported_indicator(KF2019, "kf-lankao", "green-space-ratio").code == "green-space-ratio"
    with pytest.raises(RuleViolation) as refused:
        reported_indicator(KF2019, "kf-lankao", "demonstration-communities-district")
    assert _refusal(refused) == [
        ("indicator_code", "unknown_indicator", "use an indicator the plan sets for the district")
    ]
    assert refused.value.detail == (
        "kaifeng-2019 sets no indicator 'demonstration-communities-district' for kf-lankao"
    )


def test_an_indicator_the_plan_does_not_set_is_refused_naming_the_indicator_field() -> None:
    with pytest.raises(RuleViolation) as refused:
        reported_indicator(ZZ2018, "zz-jinshui", "green-space-ratio")  # Kaifeng's, not Zhengzhou's
    assert [(f, r) for f, r, _ in _refusal(refused)] == [("indicator_code", "unknown_indicator")]


def test_a_district_outside_the_plan_is_refused_naming_the_programme() -> None:
    with pytest.raises(RuleViolation) as refused:
        reported_indicator(ZZ2018, "kf-gulou", "hd-video-coverage")
    assert _refusal(refused) == [
        ("programme_code", "outside_jurisdiction", "the district is not in the plan")
    ]
    assert refused.value.detail == "kf-gulou is outside zhengzhou-2018"
    assert isinstance(refused.value.__cause__, KeyError)


# --- what a report must carry ------------------------------------------------------------------


def test_a_rate_is_reported_with_a_positive_denominator() -> None:
    check_report(LIT, D(99), D(100))
    check_report(LIT, D(0), D(1))
    for denominator in (None, D(0), D(-5)):
        with pytest.raises(RuleViolation) as refused:
            check_report(LIT, D(0), denominator)
        assert _refusal(refused) == [("denominator", "rate_needs_denominator", "a positive denominator")]
        assert refused.value.detail == "main-road-lights-lit is a rate: give what it is a share of"


def test_a_rate_may_reach_its_denominator_but_not_exceed_it() -> None:
    check_report(LIT, D(64), D(64))  # every lamp lit
    with pytest.raises(RuleViolation) as refused:
        check_report(LIT, D("64.000001"), D(64))
    assert _refusal(refused) == [("numerator", "numerator_within_denominator", "at most the denominator")]
    assert refused.value.detail == "main-road-lights-lit: the numerator exceeds the denominator"


def test_a_value_in_another_unit_has_no_denominator() -> None:
    check_report(CABLES, D(130), None)
    check_report(CABLES, D(130000), None)  # a value, not a share: no ceiling
    with pytest.raises(RuleViolation) as refused:
        check_report(CABLES, D(130), D(1))
    assert _refusal(refused) == [("denominator", "value_has_no_denominator", "leave it out for this unit")]
    assert refused.value.detail == "cables-buried is measured in km: give its value as the numerator"


def test_a_rate_is_kept_to_six_places_and_other_values_as_given() -> None:
    assert measured_value(LIT, D(61), D(64)) == D("0.953125")  # 61 of 64 lamps lit, exact
    assert str(measured_value(LIT, D(2), D(3))) == "0.666667"
    assert str(measured_value(LIT, D(64), D(64))) == "1.000000"
    assert measured_value(LIT, D(5), None) == D(5)  # nothing to divide by: as given
    assert measured_value(CABLES, D("120.5"), D(2)) == D("120.5")  # a value is never divided


# --- the verdict on a day ----------------------------------------------------------------------


def test_an_undated_target_is_in_force_from_the_start() -> None:
    on = date(2018, 1, 1)
    assert judge(ZZ2018, LIT, D("0.99"), on) == Judgement(IndicatorStatus.MET, D("0.99"), None, None)
    assert judge(ZZ2018, LIT, D("0.989999"), on).status is IndicatorStatus.NOT_MET
    assert judge(ZZ2018, LIT, None, on) == Judgement(IndicatorStatus.NOT_REPORTED, D("0.99"), None, None)


def test_a_dated_target_applies_from_its_day_and_names_it() -> None:
    before = judge(ZZ2018, VIDEO, D("0.5"), date(2018, 12, 30))
    assert before == Judgement(IndicatorStatus.NO_TARGET_YET, D("0.80"), None, date(2018, 12, 31))
    on_the_day = judge(ZZ2018, VIDEO, D("0.80"), date(2018, 12, 31))
    assert on_the_day == Judgement(IndicatorStatus.MET, D("0.80"), None, date(2018, 12, 31))
    short = judge(ZZ2018, VIDEO, D("0.799999"), date(2018, 12, 31))
    assert short == Judgement(IndicatorStatus.NOT_MET, D("0.80"), None, date(2018, 12, 31))
    later = judge(ZZ2018, VIDEO, None, date(2020, 12, 31))
    assert later == Judgement(IndicatorStatus.NOT_REPORTED, D("1.00"), None, date(2020, 12, 31))


def test_a_range_target_reports_both_bounds() -> None:
    kaifeng_before = judge(KF2019, DEMO_DISTRICT, None, date(2020, 3, 30))
    assert kaifeng_before == Judgement(IndicatorStatus.NO_TARGET_YET, D(2), D(3), date(2020, 3, 31))
    on = date(2020, 3, 31)
    assert judge(KF2019, DEMO_DISTRICT, D(3), on) == Judgement(IndicatorStatus.MET, D(2), D(3), on)
    assert judge(KF2019, DEMO_DISTRICT, D(1), on).status is IndicatorStatus.NOT_MET
    assert judge(KF2019, DEMO_DISTRICT, None, on) == Judgement(IndicatorStatus.NOT_REPORTED, D(2), D(3), on)
    density = judge(ZZ2018, TOILETS, D(4), date(2019, 1, 1))
    assert density == Judgement(IndicatorStatus.MET, D(4), D(7), None)


def test_at_most_and_more_than_targets() -> None:
    on = date(2019, 6, 1)
    assert judge(ZZ2018, RADIUS, D(300), on).status is IndicatorStatus.MET
    assert judge(ZZ2018, RADIUS, D(301), on).status is IndicatorStatus.NOT_MET
    assert judge(ZZ2018, SPORTS, D("1.08"), on).status is IndicatorStatus.NOT_MET  # 大于: strictly more
    assert judge(ZZ2018, SPORTS, D("1.09"), on) == Judgement(IndicatorStatus.MET, D("1.08"), None, None)


def test_a_rising_indicator_is_judged_against_last_year_and_carries_it() -> None:
    on = date(2020, 12, 31)
    assert judge(ZZ2019, COVERAGE, D("0.61"), on, D("0.6")) == Judgement(
        IndicatorStatus.MET, None, None, None, D("0.6")
    )
    assert judge(ZZ2019, COVERAGE, D("0.6"), on, D("0.6")) == Judgement(
        IndicatorStatus.NOT_MET, None, None, None, D("0.6")
    )
    assert judge(ZZ2019, COVERAGE, None, on, D("0.6")) == Judgement(
        IndicatorStatus.NOT_REPORTED, None, None, None, D("0.6")
    )
    assert judge(ZZ2019, COVERAGE, D("0.6"), on) == Judgement(
        IndicatorStatus.NO_PREVIOUS_YEAR, None, None, None, None
    )


def test_a_judgement_names_no_previous_value_unless_the_indicator_rises() -> None:
    assert judge(ZZ2018, LIT, D(1), date(2019, 1, 1), D("0.5")).previous is None

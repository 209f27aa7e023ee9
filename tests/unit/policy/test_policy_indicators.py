"""Indicators with units, scopes and the plan's comparisons (issue 16 items 8 and 9): counts,
areas, densities, distances, "more than", ranges, dated targets and year-on-year rises. Each
test reads the threshold from the profile and checks the comparison on either side of it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import mutated

from shared.policy import (
    AreaKind,
    Comparison,
    IndicatorScope,
    ProfileError,
    Unit,
    bundled_profiles,
    get_profile,
    indicator,
    indicators_for,
    load_profile,
    meets_indicator,
    milestone_in_force,
)

PROFILES = bundled_profiles()
ZZ18 = get_profile("zhengzhou-2018")
KF = get_profile("kaifeng-2019")
ZZ19 = get_profile("zhengzhou-2019")
FAR_FUTURE = date(2100, 1, 1)
THRESHOLD_INDICATORS = [
    (code, i.code)
    for code, p in sorted(PROFILES.items())
    for i in p.supervision.indicators
    if i.comparison is not Comparison.INCREASING
]
STEP = Decimal("0.001")


@pytest.mark.parametrize(("code", "name"), THRESHOLD_INDICATORS)
def test_every_indicator_meets_at_its_bound_and_fails_beyond(code: str, name: str) -> None:
    """The comparison in the profile decides, on both sides of each bound."""
    profile = PROFILES[code]
    rule = indicator(profile, name)
    milestone = milestone_in_force(profile, name, FAR_FUTURE)
    assert milestone is not None
    low, high = milestone.value, milestone.upper
    if rule.comparison is Comparison.AT_LEAST:
        assert meets_indicator(profile, name, low, FAR_FUTURE)
        assert not meets_indicator(profile, name, low - STEP, FAR_FUTURE)
    elif rule.comparison is Comparison.MORE_THAN:
        assert not meets_indicator(profile, name, low, FAR_FUTURE)
        assert meets_indicator(profile, name, low + STEP, FAR_FUTURE)
    elif rule.comparison is Comparison.AT_MOST:
        assert meets_indicator(profile, name, low, FAR_FUTURE)
        assert not meets_indicator(profile, name, low + STEP, FAR_FUTURE)
    else:
        assert rule.comparison is Comparison.BETWEEN and high is not None
        assert meets_indicator(profile, name, low, FAR_FUTURE)
        assert meets_indicator(profile, name, high, FAR_FUTURE)
        assert not meets_indicator(profile, name, low - STEP, FAR_FUTURE)
        assert not meets_indicator(profile, name, high + STEP, FAR_FUTURE)


@pytest.mark.parametrize(("code", "name"), THRESHOLD_INDICATORS)
def test_dated_targets_are_not_due_before_their_date(code: str, name: str) -> None:
    profile = PROFILES[code]
    first = indicator(profile, name).milestones[0]
    if first.by is None:
        assert milestone_in_force(profile, name, date(1990, 1, 1)) == first
    else:
        assert milestone_in_force(profile, name, first.by - timedelta(days=1)) is None
        assert milestone_in_force(profile, name, first.by) == first


@pytest.mark.parametrize(
    ("name", "comparison", "unit", "clause"),
    [
        ("public-toilet-density", Comparison.BETWEEN, Unit.PER_KM2, "三(三)"),  # 4—7座/平方公里
        ("public-toilet-radius-main-street", Comparison.AT_MOST, Unit.METRES, "三(三)"),  # 不大于300米
        ("public-toilet-radius-ordinary-road", Comparison.AT_MOST, Unit.METRES, "三(三)"),  # 500米
        ("public-toilet-radius-riverside-park", Comparison.AT_MOST, Unit.METRES, "三(三)"),  # 800米
        ("cables-buried", Comparison.AT_LEAST, Unit.KM, "三(三)"),  # 120公里架空线缆入地
        ("health-centre-catchment", Comparison.BETWEEN, Unit.PERSONS, "三(四)"),  # 3—5万人
        ("health-station-catchment", Comparison.BETWEEN, Unit.PERSONS, "三(四)"),  # 1—1.5万人
        ("culture-sports-square-area", Comparison.AT_LEAST, Unit.M2, "三(四)"),  # 不低于1000平方米
        ("street-culture-centre-area", Comparison.AT_LEAST, Unit.M2, "三(四)"),  # 400
        ("community-culture-centre-area", Comparison.AT_LEAST, Unit.M2, "三(四)"),  # 200
        ("exercise-points-per-street", Comparison.AT_LEAST, Unit.COUNT, "三(四)"),  # 5个以上
        ("sports-ground-per-person", Comparison.MORE_THAN, Unit.M2_PER_PERSON, "三(四)"),  # 大于1.08
        ("green-within-300m", Comparison.AT_MOST, Unit.METRES, "三(五)"),  # 300米见绿
        ("park-within-500m", Comparison.AT_MOST, Unit.METRES, "三(五)"),  # 500米见园
        ("historic-streets", Comparison.AT_LEAST, Unit.COUNT, "三(六)"),  # 1条以上
        ("landscape-nodes", Comparison.AT_LEAST, Unit.COUNT, "三(七)"),  # 1个以上
        ("demonstration-area-waste-sorting", Comparison.AT_LEAST, Unit.RATIO, "三(九)"),
    ],
)
def test_zz2018_standards_of_section_三(name: str, comparison: Comparison, unit: Unit, clause: str) -> None:
    """三(三)–(九): counts, areas, densities and distances, each with its comparison and unit."""
    rule = indicator(ZZ18, name)
    assert (rule.comparison, rule.unit, rule.clause) == (comparison, unit, clause)
    assert rule.note, "each standard quotes its sentence"


def test_zz2018_end_2018_targets() -> None:
    """三(六) 2018年底前 历史文化精品特色街区; 三(七) 特色景观风貌整治; 三(九) 示范区垃圾分类."""
    end_2018 = date(2018, 12, 31)
    for name in ("historic-streets", "landscape-nodes", "demonstration-area-waste-sorting"):
        (milestone,) = indicator(ZZ18, name).milestones
        assert milestone.by == end_2018
    assert indicator(ZZ18, "historic-streets").condition_zh == "有资源的县（市、区）"
    assert indicator(ZZ18, "exercise-points-per-street").scope is IndicatorScope.STREET


def test_zz2018_sports_ground_is_strictly_more_than() -> None:
    """三(四) 人均体育场地面积大于1.08平方米: exactly 1.08 falls short."""
    threshold = milestone_in_force(ZZ18, "sports-ground-per-person", FAR_FUTURE)
    assert threshold is not None
    assert not meets_indicator(ZZ18, "sports-ground-per-person", threshold.value, FAR_FUTURE)


def test_zz2018_nine_musts_ten_nos_and_metering() -> None:
    """三(九): 九个"要", 十无, 一户一表 / 三表出户, 全部入地."""
    by_code = {s.code: s for s in ZZ18.standards}
    assert len(by_code["nine-musts"].items) == 9
    assert all(i.name_zh.count("要") == 1 for i in by_code["nine-musts"].items)
    assert len(by_code["ten-nos"].items) == 10
    assert all(i.name_zh.startswith("无") for i in by_code["ten-nos"].items)
    meters = [i.code for i in by_code["meters-and-lines"].items]
    assert {"one-meter-per-household", "meters-outside-homes", "lines-underground"} <= set(meters)
    assert {s.clause for s in ZZ18.standards} == {"三(九)"}


def test_kf2019_demonstration_counts_by_kind_of_area() -> None:
    """六(三): 有改造任务的县至少打造一个，各区打造两到三个示范小区 (by 2020-03-31)."""
    county = next(d for d in KF.jurisdiction.districts if d.kind is AreaKind.COUNTY)
    district = next(d for d in KF.jurisdiction.districts if d.kind is AreaKind.DISTRICT)
    county_rules = {i.code for i in indicators_for(KF, county.code) if i.unit is Unit.COUNT}
    district_rules = {i.code for i in indicators_for(KF, district.code) if i.unit is Unit.COUNT}
    assert county_rules == {"demonstration-communities-county"}
    assert district_rules == {"demonstration-communities-district"}
    due = date(2020, 3, 31)
    assert meets_indicator(KF, "demonstration-communities-county", 1, due)
    assert not meets_indicator(KF, "demonstration-communities-county", 0, due)
    assert [meets_indicator(KF, "demonstration-communities-district", n, due) for n in range(5)] == [
        False,
        False,
        True,
        True,
        False,
    ]
    assert indicator(KF, "demonstration-communities-county").clause == "六(三)"


def test_indicators_for_a_district_outside_the_plan() -> None:
    with pytest.raises(KeyError):
        indicators_for(KF, "zz-jinshui")


def test_zz2019_professional_management_coverage_rises_each_year() -> None:
    """一(二)4 确保老旧小区专业化物业管理覆盖率逐年提高; 七(五) 不断提高专业化物业服务企业覆盖率."""
    rule = indicator(ZZ19, "professional-property-coverage")
    assert rule.comparison is Comparison.INCREASING
    assert (rule.clause, rule.see_also) == ("一(二)4", ("七(五)",))
    on = date(2020, 12, 31)
    assert meets_indicator(ZZ19, rule.code, Decimal("0.41"), on, previous=Decimal("0.40"))
    assert not meets_indicator(ZZ19, rule.code, Decimal("0.40"), on, previous=Decimal("0.40"))
    with pytest.raises(ValueError, match="previous"):
        meets_indicator(ZZ19, rule.code, Decimal("0.41"), on)


def test_values_are_never_float() -> None:
    with pytest.raises(TypeError):
        meets_indicator(ZZ18, "cables-buried", 120.0, FAR_FUTURE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        meets_indicator(ZZ19, "professional-property-coverage", 1, FAR_FUTURE, previous=0.5)  # type: ignore[arg-type]


def _indicator(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["supervision"]["indicators"] if i["code"] == code)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i: i["milestones"][0].update(value="1.5"), "a ratio must be between 0 and 1"),
        (lambda i: i["milestones"][0].update(upper="0.9"), "exactly when comparison is between"),
        (lambda i: i.update(comparison="increasing"), "compares with last year"),
        (lambda i: i["milestones"][0].update(value=0.8), "float"),
    ],
)
def test_bad_indicators_are_refused(tmp_path: Path, change: Any, message: str) -> None:
    path = mutated(tmp_path, "zhengzhou-2018", lambda d: change(_indicator(d, "hd-video-coverage")))
    with pytest.raises(ProfileError, match=message):
        load_profile(path)


def test_a_range_needs_upper_above_lower(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        _indicator(data, "public-toilet-density")["milestones"][0].update(value="8")

    with pytest.raises(ProfileError, match="upper bound is below"):
        load_profile(mutated(tmp_path, "zhengzhou-2018", change))

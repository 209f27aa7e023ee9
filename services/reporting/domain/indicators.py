"""Indicators against the plan's targets: a district's reported value, judged on a day.

The targets are the profile's (`supervision.indicators`): Zhengzhou 2018 三(一) 主干道装灯率 100%,
亮灯率 99%; 三(二) 背街小巷 装灯率 100%, 亮灯率 95%; 三(九) 高清视频技防覆盖率 80% by the end of
2018 and 100% by the end of 2020, 生活垃圾回收利用率 35% and 无害化处理率 100% by 2020; Kaifeng 五
改造后绿地率不低于25% (力争: not binding). Judging uses `shared.policy.meets_indicator`.

Platform readings where the plans are silent: a district reports each indicator with the data it
comes from (a rate as numerator and denominator, e.g. lamps lit / lamps installed; any other
unit as its value); the value that counts on a day is the latest measured on or before it; a
rising indicator (逐年提高) compares with the latest value measured in the previous year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shared.errors import FieldProblem, RuleViolation
from shared.policy import (
    Comparison,
    Indicator,
    ProgrammeProfile,
    Unit,
    indicators_for,
    meets_indicator,
    milestone_in_force,
)

__all__ = ["IndicatorStatus", "Judgement", "check_report", "judge", "measured_value", "reported_indicator"]

VALUE_PLACES = Decimal("0.000001")
"""A rate is kept to six decimal places (0.953125 of lamps lit); the data itself stays exact."""


class IndicatorStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_REPORTED = "not_reported"  # no value measured on or before the day
    NO_TARGET_YET = "no_target_yet"  # the first dated target is still ahead
    NO_PREVIOUS_YEAR = "no_previous_year"  # a rising indicator with nothing from the year before


@dataclass(frozen=True)
class Judgement:
    """One district's indicator on a day: the threshold in force and the verdict."""

    status: IndicatorStatus
    threshold: Decimal | None
    upper: Decimal | None
    due_by: date | None
    previous: Decimal | None = None


def reported_indicator(profile: ProgrammeProfile, district_code: str, code: str) -> Indicator:
    """The indicator a district may report: one the plan sets for its kind of area.

    Raises:
        RuleViolation: the plan has no such indicator, or it is not one the district answers for
            (Kaifeng's demonstration-community counts differ for counties and districts).
    """
    try:
        applicable = indicators_for(profile, district_code)
    except KeyError as exc:
        raise RuleViolation(
            f"{district_code} is outside {profile.code}",
            [FieldProblem("programme_code", "outside_jurisdiction", "the district is not in the plan")],
        ) from exc
    for candidate in applicable:
        if candidate.code == code:
            return candidate
    raise RuleViolation(
        f"{profile.code} sets no indicator {code!r} for {district_code}",
        [
            FieldProblem(
                "indicator_code", "unknown_indicator", "use an indicator the plan sets for the district"
            )
        ],
    )


def check_report(indicator: Indicator, numerator: Decimal, denominator: Decimal | None) -> None:
    """A rate comes with its data (numerator of denominator); any other unit is a value alone.

    Raises:
        RuleViolation: a rate without a positive denominator or above it; a value with one.
    """
    if indicator.unit is Unit.RATIO:
        if denominator is None or denominator <= 0:
            raise RuleViolation(
                f"{indicator.code} is a rate: give what it is a share of",
                [FieldProblem("denominator", "rate_needs_denominator", "a positive denominator")],
            )
        if numerator > denominator:
            raise RuleViolation(
                f"{indicator.code}: the numerator exceeds the denominator",
                [FieldProblem("numerator", "numerator_within_denominator", "at most the denominator")],
            )
    elif denominator is not None:
        raise RuleViolation(
            f"{indicator.code} is measured in {indicator.unit.value}: give its value as the numerator",
            [FieldProblem("denominator", "value_has_no_denominator", "leave it out for this unit")],
        )


def measured_value(indicator: Indicator, numerator: Decimal, denominator: Decimal | None) -> Decimal:
    """The value in the indicator's unit: the rate to six places, or the value as given."""
    if indicator.unit is Unit.RATIO and denominator:
        return (numerator / denominator).quantize(VALUE_PLACES)
    return numerator


def judge(
    profile: ProgrammeProfile,
    indicator: Indicator,
    value: Decimal | None,
    on: date,
    previous: Decimal | None = None,
) -> Judgement:
    """The verdict on `on` for a district's latest value (None: nothing reported yet).

    Args:
        profile: the programme.
        indicator: one of its indicators.
        value: the latest value measured on or before `on`, in the indicator's unit.
        on: the day judged (dated targets apply from their date).
        previous: for a rising indicator, the latest value of the previous year.
    """
    milestone = milestone_in_force(profile, indicator.code, on) if indicator.milestones else None
    threshold = milestone.value if milestone else None
    upper = milestone.upper if milestone else None
    due_by = milestone.by if milestone else None
    if indicator.comparison is Comparison.INCREASING:
        if value is None:
            return Judgement(IndicatorStatus.NOT_REPORTED, None, None, None, previous)
        if previous is None:
            return Judgement(IndicatorStatus.NO_PREVIOUS_YEAR, None, None, None, None)
        met = meets_indicator(profile, indicator.code, value, on, previous=previous)
        return Judgement(IndicatorStatus.MET if met else IndicatorStatus.NOT_MET, None, None, None, previous)
    if milestone is None:
        upcoming = indicator.milestones[0]
        return Judgement(IndicatorStatus.NO_TARGET_YET, upcoming.value, upcoming.upper, upcoming.by)
    if value is None:
        return Judgement(IndicatorStatus.NOT_REPORTED, threshold, upper, due_by)
    met = meets_indicator(profile, indicator.code, value, on)
    return Judgement(IndicatorStatus.MET if met else IndicatorStatus.NOT_MET, threshold, upper, due_by)

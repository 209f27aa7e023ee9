"""Supervision rules services compute with: report day, yearly targets, indicator thresholds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.policy.errors import RuleAbsentError
from shared.policy.models.lifecycle import Deadline
from shared.policy.models.profile import ProgrammeProfile
from shared.policy.models.supervision import Comparison, Indicator, YearlyTargets


def weekly_report_weekday(profile: ProgrammeProfile) -> int | None:
    """ISO weekday (Monday 1 … Sunday 7) of the weekly progress report, or None if there is none."""
    report = profile.supervision.weekly_report
    return report.weekday if report else None


def yearly_targets(profile: ProgrammeProfile) -> YearlyTargets:
    targets = profile.supervision.yearly_targets
    if targets is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no yearly targets")
    return targets


def target_share(profile: ProgrammeProfile, year: int) -> Decimal:
    """The share of the programme planned for `year` (0 for a year the plan does not list)."""
    return yearly_targets(profile).shares.get(year, Decimal(0))


def cumulative_target_share(profile: ProgrammeProfile, year: int) -> Decimal:
    """The share planned to be done by the end of `year`, for ranking districts against plan."""
    shares = yearly_targets(profile).shares
    return sum((share for y, share in shares.items() if y <= year), Decimal(0))


def indicator(profile: ProgrammeProfile, code: str) -> Indicator:
    """The indicator with this code; KeyError when the plan does not measure it."""
    for candidate in profile.supervision.indicators:
        if candidate.code == code:
            return candidate
    raise KeyError(f"{profile.code}: no indicator {code!r}")


def indicator_threshold(profile: ProgrammeProfile, code: str, on: date) -> Decimal | None:
    """The threshold in force on `on`: the latest milestone already due (None before the first)."""
    in_force = [m for m in indicator(profile, code).milestones if m.by is None or m.by <= on]
    if not in_force:
        return None
    dated = [m for m in in_force if m.by is not None]
    return (dated[-1] if dated else in_force[-1]).value


def meets_indicator(profile: ProgrammeProfile, code: str, value: Decimal, on: date) -> bool:
    """Whether a measured rate meets the threshold in force on `on` (vacuously true before it)."""
    if isinstance(value, float):
        raise TypeError("rates are Decimal, never float")
    threshold = indicator_threshold(profile, code, on)
    if threshold is None:
        return True
    if indicator(profile, code).comparison is Comparison.MORE_THAN:
        return Decimal(value) > threshold
    return Decimal(value) >= threshold


def deadlines(profile: ProgrammeProfile) -> tuple[Deadline, ...]:
    """Every dated deadline of the plan, earliest first."""
    found = [d for stage in profile.lifecycle.stages for d in stage.deadlines]
    return tuple(sorted(found, key=lambda d: (d.due_on, d.code)))

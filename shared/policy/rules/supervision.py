"""Supervision rules services compute with: report day, yearly targets, indicators, deadlines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.policy.errors import RuleAbsentError
from shared.policy.models.lifecycle import Deadline, DeadlineStatus
from shared.policy.models.profile import ProgrammeProfile
from shared.policy.models.standards import Standard
from shared.policy.models.supervision import Comparison, Indicator, Milestone, YearlyTargets


def weekly_report_weekday(profile: ProgrammeProfile) -> int | None:
    """ISO weekday (Monday 1 … Sunday 7) of the weekly progress report, or None if there is none."""
    report = profile.supervision.weekly_report
    return report.weekday if report else None


def yearly_targets(profile: ProgrammeProfile) -> YearlyTargets:
    """The plan's yearly shares, for rollups that compare progress with the plan.

    Raises:
        RuleAbsentError: the plan sets no yearly shares (Kaifeng, Zhongyuan).
    """
    targets = profile.supervision.yearly_targets
    if targets is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no yearly targets")
    return targets


def target_share(profile: ProgrammeProfile, year: int) -> Decimal:
    """The share of the programme planned for `year` (0 for a year the plan does not list).

    Raises:
        RuleAbsentError: the plan sets no yearly shares.
    """
    return yearly_targets(profile).shares.get(year, Decimal(0))


def cumulative_target_share(profile: ProgrammeProfile, year: int) -> Decimal:
    """The share planned to be done by the end of `year`, for ranking districts against plan.

    Raises:
        RuleAbsentError: the plan sets no yearly shares.
    """
    shares = yearly_targets(profile).shares
    return sum((share for y, share in shares.items() if y <= year), Decimal(0))


def indicator(profile: ProgrammeProfile, code: str) -> Indicator:
    """The indicator with this code; KeyError when the plan does not measure it.

    Raises:
        KeyError: the plan has no indicator with this code.
    """
    for candidate in profile.supervision.indicators:
        if candidate.code == code:
            return candidate
    raise KeyError(f"{profile.code}: no indicator {code!r}")


def milestone_in_force(profile: ProgrammeProfile, code: str, on: date) -> Milestone | None:
    """The milestone in force on `on`: the latest one already due (None before the first).

    Raises:
        KeyError: the plan has no indicator with this code.
    """
    in_force = [m for m in indicator(profile, code).milestones if m.by is None or m.by <= on]
    if not in_force:
        return None
    dated = [m for m in in_force if m.by is not None]
    return dated[-1] if dated else in_force[-1]


def indicator_threshold(profile: ProgrammeProfile, code: str, on: date) -> Decimal | None:
    """The threshold in force on `on` (the lower bound of a range); None before the first.

    Raises:
        KeyError: the plan has no indicator with this code.
    """
    milestone = milestone_in_force(profile, code, on)
    return milestone.value if milestone else None


def _exact(value: Decimal | int, name: str) -> Decimal:
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{name} must be Decimal or int, never float (got {value!r})")
    return Decimal(value)


def meets_indicator(
    profile: ProgrammeProfile,
    code: str,
    value: Decimal | int,
    on: date,
    *,
    previous: Decimal | int | None = None,
) -> bool:
    """Whether a measured value meets the indicator on `on` (vacuously true before any threshold).

    The comparison is the plan's: at least, more than (大于), at most (a service radius), between
    (both bounds included) or increasing (逐年提高), which needs last year's value as `previous`.

    Args:
        value: the measured value, in the indicator's unit (Decimal or int).
        on: the day the measurement is judged on (dated targets apply from their date).
        previous: last year's value, for an increasing indicator only.

    Raises:
        KeyError: the plan has no indicator with this code.
        TypeError: a float value.
        ValueError: an increasing indicator without `previous`.
    """
    rule = indicator(profile, code)
    measured = _exact(value, "value")
    if rule.comparison is Comparison.INCREASING:
        if previous is None:
            raise ValueError(f"{profile.code}: {code} rises year on year; give last year's value as previous")
        return measured > _exact(previous, "previous")
    milestone = milestone_in_force(profile, code, on)
    if milestone is None:
        return True
    if rule.comparison is Comparison.MORE_THAN:
        return measured > milestone.value
    if rule.comparison is Comparison.AT_MOST:
        return measured <= milestone.value
    if rule.comparison is Comparison.BETWEEN:
        assert milestone.upper is not None
        return milestone.value <= measured <= milestone.upper
    return measured >= milestone.value


def indicators_for(profile: ProgrammeProfile, district_code: str) -> tuple[Indicator, ...]:
    """The indicators a district answers for: those without `area_kinds` or naming its kind.

    KeyError when the district is outside the jurisdiction.
    """
    area = profile.jurisdiction.district(district_code)
    if area is None:
        raise KeyError(f"{profile.code}: {district_code!r} is outside the jurisdiction")
    return tuple(i for i in profile.supervision.indicators if not i.area_kinds or area.kind in i.area_kinds)


def standard(profile: ProgrammeProfile, code: str) -> Standard:
    """The checklist with this code (e.g. Zhengzhou 2019's ten goals); KeyError when absent.

    Raises:
        KeyError: the plan has no such checklist.
    """
    for candidate in profile.standards:
        if candidate.code == code:
            return candidate
    raise KeyError(f"{profile.code}: no standard {code!r}")


def deadlines(profile: ProgrammeProfile) -> tuple[Deadline, ...]:
    """Every dated deadline of the plan, earliest first."""
    found = [d for stage in profile.lifecycle.stages for d in stage.deadlines]
    return tuple(sorted(found, key=lambda d: (d.due_on, d.code)))


def _deadline(profile: ProgrammeProfile, deadline: Deadline | str) -> Deadline:
    if isinstance(deadline, Deadline):
        if deadline not in deadlines(profile):
            raise KeyError(f"{profile.code}: deadline {deadline.code!r} is not in this plan")
        return deadline
    for candidate in deadlines(profile):
        if candidate.code == deadline:
            return candidate
    raise KeyError(f"{profile.code}: no deadline {deadline!r}")


def past_at_issue(profile: ProgrammeProfile, deadline: Deadline | str) -> bool:
    """Whether the deadline had already passed on the day the plan was issued.

    Such a date records what the plan asked, but nobody could meet it after reading the plan, so
    it must never show as overdue (Kaifeng 六(三): 2019-12-15 in a plan of 2019-12-29).

    Raises:
        KeyError: the deadline is not in this plan.
    """
    return _deadline(profile, deadline).due_on < profile.issued_on


def deadline_status(profile: ProgrammeProfile, deadline: Deadline | str, on: date) -> DeadlineStatus:
    """Where a deadline stands on `on`: past at issue, upcoming, open or passed.

    A service shows "overdue" only for PASSED with the work not done; PAST_AT_ISSUE never is.

    Raises:
        KeyError: the deadline is not in this plan.
    """
    rule = _deadline(profile, deadline)
    if rule.due_on < profile.issued_on:
        return DeadlineStatus.PAST_AT_ISSUE
    if on > rule.due_on:
        return DeadlineStatus.PASSED
    if rule.starts_on is not None and on < rule.starts_on:
        return DeadlineStatus.UPCOMING
    return DeadlineStatus.OPEN

"""Supervision rules services compute with: report day, yearly targets, indicators, deadlines.

Why here: the plans set these numbers and dates differently (Zhengzhou 2019 dates its coverage
targets, Kaifeng counts demonstration communities), so reports and dashboards ask the profile.
Dates are local calendar days (Asia/Shanghai); callers pass ``shanghai_date(now)``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from shared.policy.errors import RuleAbsentError
from shared.policy.models.lifecycle import Deadline, DeadlineStatus
from shared.policy.models.profile import ProgrammeProfile
from shared.policy.models.standards import Standard
from shared.policy.models.supervision import Comparison, Indicator, Milestone, YearlyTargets

__all__ = [
    "cumulative_target_share",
    "deadline_status",
    "has_targets",
    "deadlines",
    "indicator",
    "indicator_threshold",
    "indicators_for",
    "meets_indicator",
    "milestone_in_force",
    "past_at_issue",
    "share_due_by",
    "standard",
    "target_horizon",
    "target_share",
    "weekly_report_weekday",
    "yearly_targets",
]


def weekly_report_weekday(profile: ProgrammeProfile) -> int | None:
    """ISO weekday (Monday 1 … Sunday 7) of the weekly progress report, or None if there is none.

    Args:
        profile: the programme's profile.

    Returns:
        1 (Monday) to 7 (Sunday), or None when the plan asks for no weekly report.
    """
    report = profile.supervision.weekly_report
    return report.weekday if report else None


def yearly_targets(profile: ProgrammeProfile) -> YearlyTargets:
    """The plan's yearly shares, for rollups that compare progress with the plan.

    Args:
        profile: the programme's profile.

    Returns:
        The shares by year and what they are shares of.

    Raises:
        RuleAbsentError: the plan sets no yearly shares (Kaifeng, Zhongyuan).
    """
    targets = profile.supervision.yearly_targets
    if targets is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no yearly targets")
    return targets


def target_share(profile: ProgrammeProfile, year: int) -> Decimal:
    """The share of the programme planned for `year` (0 for a year the plan does not list).

    Args:
        profile: the programme's profile.
        year: a calendar year, e.g. 2020.

    Returns:
        A Decimal share of the whole programme, e.g. Decimal("0.3").

    Raises:
        RuleAbsentError: the plan sets no yearly shares.
    """
    return yearly_targets(profile).shares.get(year, Decimal(0))


def cumulative_target_share(profile: ProgrammeProfile, year: int) -> Decimal:
    """The share planned to be done by the end of `year`, for ranking districts against plan.

    Args:
        profile: the programme's profile.
        year: a calendar year; every listed year up to and including it counts.

    Returns:
        The sum of the shares of the years up to `year` (0 before the first).

    Raises:
        RuleAbsentError: the plan sets no yearly shares.
    """
    shares = yearly_targets(profile).shares
    return sum((share for y, share in shares.items() if y <= year), Decimal(0))


def has_targets(profile: ProgrammeProfile) -> bool:
    """Whether the plan sets a pace to measure districts against: yearly shares or one deadline.

    Args:
        profile: the programme's profile.
    """
    supervision = profile.supervision
    return supervision.yearly_targets is not None or supervision.deadline_target is not None


def share_due_by(profile: ProgrammeProfile, day: date) -> Fraction:
    """The share of the whole programme due by the end of `day`, exactly.

    With yearly shares (Zhengzhou 2019 一(三), Zhengzhou 2018 二) the shares of the years before,
    plus this year's share grown evenly by day; with one deadline (Kaifeng 三) the share grown
    evenly by day from the target's start (the plan's issue date unless stated) to its due day.

    Args:
        profile: the programme's profile.
        day: a calendar day (Asia/Shanghai).

    Returns:
        A fraction between 0 and 1.

    Raises:
        RuleAbsentError: the plan sets neither yearly shares nor a deadline.
    """
    deadline = profile.supervision.deadline_target
    if deadline is not None:
        start = deadline.starts_on or profile.issued_on
        span = (deadline.due_on - start).days + 1
        elapsed = min(max((day - start).days + 1, 0), span)
        return Fraction(elapsed, span)
    before = Fraction(str(cumulative_target_share(profile, day.year - 1)))
    this_year = Fraction(str(target_share(profile, day.year)))
    first, last = date(day.year, 1, 1), date(day.year, 12, 31)
    elapsed_in_year = Fraction((day - first).days + 1, (last - first).days + 1)
    return before + this_year * elapsed_in_year


def target_horizon(profile: ProgrammeProfile, day: date) -> date:
    """The day the year's target is counted to: the year's end, or a deadline target's due day
    when it falls earlier in that year.

    Args:
        profile: the programme's profile.
        day: the day the figures are as of.
    """
    year_end = date(day.year, 12, 31)
    deadline = profile.supervision.deadline_target
    if deadline is not None and day <= deadline.due_on < year_end:
        return deadline.due_on
    return year_end


def indicator(profile: ProgrammeProfile, code: str) -> Indicator:
    """The indicator with this code; KeyError when the plan does not measure it.

    Args:
        profile: the programme's profile.
        code: the indicator's code in the profile.

    Returns:
        The indicator, with its unit, comparison and dated milestones.

    Raises:
        KeyError: the plan has no indicator with this code.
    """
    for candidate in profile.supervision.indicators:
        if candidate.code == code:
            return candidate
    raise KeyError(f"{profile.code}: no indicator {code!r}")


def milestone_in_force(profile: ProgrammeProfile, code: str, on: date) -> Milestone | None:
    """The milestone in force on `on`: the latest one already due (None before the first).

    Args:
        profile: the programme's profile.
        code: the indicator's code.
        on: the day in question (a local date).

    Returns:
        The latest dated milestone on or before `on`; failing that an undated one; else None.

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

    Args:
        profile: the programme's profile.
        code: the indicator's code.
        on: the day in question.

    Returns:
        The milestone's value (a range's lower bound), or None when no milestone is in force yet.

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
        profile: the programme's profile.
        code: the indicator's code.
        value: the measured value, in the indicator's unit (Decimal or int).
        on: the day the measurement is judged on (dated targets apply from their date).
        previous: last year's value, for an increasing indicator only.

    Returns:
        True when the value satisfies the milestone in force (or none is in force yet); for an increasing
        indicator, when it exceeds `previous`.

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

    Args:
        profile: the programme's profile.
        district_code: a district of the plan's jurisdiction.

    Returns:
        The indicators in the profile's order.

    Raises:
        KeyError: the district is outside the jurisdiction.
    """
    area = profile.jurisdiction.district(district_code)
    if area is None:
        raise KeyError(f"{profile.code}: {district_code!r} is outside the jurisdiction")
    return tuple(i for i in profile.supervision.indicators if not i.area_kinds or area.kind in i.area_kinds)


def standard(profile: ProgrammeProfile, code: str) -> Standard:
    """The checklist with this code (e.g. Zhengzhou 2019's ten goals); KeyError when absent.

    Args:
        profile: the programme's profile.
        code: the checklist's code.

    Returns:
        The checklist with its items.

    Raises:
        KeyError: the plan has no such checklist.
    """
    for candidate in profile.standards:
        if candidate.code == code:
            return candidate
    raise KeyError(f"{profile.code}: no standard {code!r}")


def deadlines(profile: ProgrammeProfile) -> tuple[Deadline, ...]:
    """Every dated deadline of the plan, earliest first.

    Args:
        profile: the programme's profile.

    Returns:
        The deadlines of every step, sorted by due date then code (empty when the plan dates none).
    """
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

    Args:
        profile: the programme's profile.
        deadline: the deadline or its code.

    Returns:
        True when its due date is before the plan's issue date.

    Raises:
        KeyError: the deadline is not in this plan.
    """
    return _deadline(profile, deadline).due_on < profile.issued_on


def deadline_status(profile: ProgrammeProfile, deadline: Deadline | str, on: date) -> DeadlineStatus:
    """Where a deadline stands on `on`: past at issue, upcoming, open or passed.

    A service shows "overdue" only for PASSED with the work not done; PAST_AT_ISSUE never is.

    Args:
        profile: the programme's profile.
        deadline: the deadline or its code.
        on: the day in question (a local date in Asia/Shanghai).

    Returns:
        PAST_AT_ISSUE whatever `on` is; else UPCOMING before its start date, PASSED after its due date,
        OPEN otherwise (the due date itself is still open).

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

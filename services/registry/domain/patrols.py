"""Daily safety patrols: which programmes keep them, who patrols, which days count, which are missing.

Zhongyuan 五(二)5 has the street office patrol every site under construction every day, tell the
contractor of hazards and file the written record with the headquarters ("拒不上报者发生安全事故，
追究相应责任"). The profile says whether a programme keeps patrols and who patrols
(`supervision.daily_patrol`); nothing here names a programme.

Construction runs from the construction-start date to the completion date, both included. A day
is "missing" once it is over: today's patrol may still be on its way, so today is reported as
`due_today` and becomes missing tomorrow (the platform's reading; the clause says only 每天).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from shared.errors import Conflict, FieldProblem, Forbidden, RuleViolation
from shared.policy import DailyPatrol, ProgrammeProfile

START_ACTION = "construction-start"
COMPLETION_ACTION = "construction-completion"


@dataclass(frozen=True)
class ConstructionPeriod:
    """When works started and (if they have) finished."""

    started_on: date | None
    completed_on: date | None

    def covers(self, day: date) -> bool:
        """Whether works were on site on `day`."""
        if self.started_on is None or day < self.started_on:
            return False
        return self.completed_on is None or day <= self.completed_on


def construction_period(steps: Iterable[tuple[str, date]]) -> ConstructionPeriod:
    """The construction period from a project's timeline, given as (action, occurred_on) pairs."""
    started = completed = None
    for action, occurred_on in steps:
        if action == START_ACTION and started is None:
            started = occurred_on
        elif action == COMPLETION_ACTION and completed is None:
            completed = occurred_on
    return ConstructionPeriod(started, completed)


def patrol_rule(profile: ProgrammeProfile) -> DailyPatrol:
    """The programme's daily-patrol rule.

    Raises:
        Conflict: the programme's plan asks for no daily patrol (409, rule `daily_patrol_programme`).
    """
    rule = profile.supervision.daily_patrol
    if rule is None:
        raise Conflict(
            f"{profile.code} keeps no daily safety patrol: its plan asks for none",
            [
                FieldProblem(
                    "programme_code",
                    "daily_patrol_programme",
                    f"{profile.code} has no daily safety patrol in its plan",
                )
            ],
        )
    return rule


def check_patroller(profile: ProgrammeProfile, rule: DailyPatrol, org_kind: str) -> None:
    """Only the party the plan puts in charge records the patrol (Zhongyuan: the street office).

    Raises:
        Forbidden: another kind of organisation (403).
    """
    if org_kind != rule.actor.value:
        raise Forbidden(
            f"under {profile.code} the daily patrol is recorded by the {rule.actor.value} ({rule.clause})"
        )


def check_patrol_date(day: date, period: ConstructionPeriod, today: date) -> None:
    """A patrol is dated on a day of construction that has begun (Asia/Shanghai `today`).

    Raises:
        RuleViolation: `patrolled_on` in the future, before works started or after they finished.
    """
    field = "patrolled_on"
    if day > today:
        raise RuleViolation(
            f"{field} {day} is in the future (today is {today} in Asia/Shanghai)",
            [FieldProblem(field, "not_in_future", f"give a date on or before {today}")],
        )
    if period.started_on is not None and day < period.started_on:
        raise RuleViolation(
            f"{field} {day} is before construction started ({period.started_on})",
            [FieldProblem(field, "patrol_during_construction", f"on or after {period.started_on}")],
        )
    if period.completed_on is not None and day > period.completed_on:
        raise RuleViolation(
            f"{field} {day} is after construction was completed ({period.completed_on})",
            [FieldProblem(field, "patrol_during_construction", f"on or before {period.completed_on}")],
        )


@dataclass(frozen=True)
class PatrolGaps:
    """The days of construction so far without a patrol."""

    through: date | None
    missing_days: list[date]
    due_today: bool


def patrol_gaps(period: ConstructionPeriod, recorded: Iterable[date], today: date) -> PatrolGaps:
    """The construction days up to completion (else yesterday) with no patrol, and today's due state.

    Args:
        period: the project's construction period.
        recorded: the days a patrol is recorded for.
        today: the local date (Asia/Shanghai).

    Returns:
        `through` (None before works start), the missing days in order, and `due_today`.
    """
    if period.started_on is None or period.started_on > today:
        return PatrolGaps(None, [], False)
    done = set(recorded)
    yesterday = today - timedelta(days=1)
    through = min(period.completed_on, yesterday) if period.completed_on else yesterday
    missing = []
    day = period.started_on
    while day <= through:
        if day not in done:
            missing.append(day)
        day += timedelta(days=1)
    due_today = period.covers(today) and today not in done
    return PatrolGaps(through if through >= period.started_on else None, missing, due_today)

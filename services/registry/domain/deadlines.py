"""Step deadlines per project: met, met late, due, upcoming or overdue, from the profile and the timeline.

The profile dates each deadline, puts it on a step, says which projects it binds (`applies_to`)
and what meets it (`met_when`: the step begun, or done). Here a project's timeline is read
against them; nothing names a programme. Where each deadline stands on a day is
`shared.policy.deadline_status`: a date already past when the plan was issued is never overdue.
Deadlines on a step the registry does not act on (the survey) cannot be met by a project's
timeline and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.registry.domain.lifecycle import Status, acted_steps, has_completed, step_of
from shared.policy import DeadlineStatus, ProgrammeProfile, StageCode, deadline_status
from shared.policy.models.lifecycle import Deadline, DeadlineMet, DeadlineScope
from shared.policy.rules.lifecycle import project_deadlines


class Standing(StrEnum):
    """Where one deadline stands for one project."""

    MET = "met"  # met on or before the due date
    MET_LATE = "met_late"  # met, after the due date
    DUE = "due"  # not met yet, still open
    UPCOMING = "upcoming"  # a window not opened yet (Zhongyuan's acceptance in Oct–Nov)
    OVERDUE = "overdue"  # not met and the due date has passed
    PAST_AT_ISSUE = "past_at_issue"  # passed before the plan was issued: never overdue


@dataclass(frozen=True)
class Tracked:
    """One deadline of one project, and where it stands."""

    step: StageCode
    deadline: Deadline
    standing: Standing
    met_on: date | None
    days_overdue: int | None


Entry = tuple[str, str, date]
"""A timeline entry: (step after it, status after it, the day it happened)."""


def scopes_of(*, demonstration: bool, centrally_funded: bool, in_area: bool) -> set[DeadlineScope]:
    """The deadline scopes a project's community puts it in (besides every project)."""
    found = set()
    if demonstration:
        found.add(DeadlineScope.DEMONSTRATION)
    if centrally_funded:
        found.add(DeadlineScope.CENTRALLY_FUNDED)
    if in_area:
        found.add(DeadlineScope.DEMONSTRATION_AREA)
    return found


def _meets(profile: ProgrammeProfile, step: str, met_when: DeadlineMet, entry_step: str, status: str) -> bool:
    if has_completed(profile, status, step):
        return True
    return met_when is DeadlineMet.STARTED and entry_step == step


def met_statuses(profile: ProgrammeProfile, step: str, met_when: DeadlineMet) -> frozenset[str]:
    """Every status a project can be at that has met the deadline (for a query on current status)."""
    found = set()
    for status in Status:
        try:
            current = step_of(profile, status)
        except ValueError:  # a status this plan never reaches
            continue
        if _meets(profile, step, met_when, current, status.value):
            found.add(status.value)
    return frozenset(found)


def met_on(
    profile: ProgrammeProfile, step: str, met_when: DeadlineMet, timeline: Iterable[Entry]
) -> date | None:
    """The day the timeline first met a deadline on `step`, or None."""
    for entry_step, status, on in timeline:
        if _meets(profile, step, met_when, entry_step, status):
            return on
    return None


def trackable(profile: ProgrammeProfile, scopes: set[DeadlineScope]) -> list[tuple[StageCode, Deadline]]:
    """The deadlines binding a project of `scopes` on steps the registry acts on."""
    steps = set(acted_steps(profile))
    return [(step, d) for step, d in project_deadlines(profile, scopes) if step.value in steps]


def track(
    profile: ProgrammeProfile, scopes: set[DeadlineScope], timeline: Sequence[Entry], today: date
) -> list[Tracked]:
    """Every deadline binding the project and where it stands on `today` (Asia/Shanghai).

    Args:
        profile: the project's programme.
        scopes: what kind of project it is (`scopes_of`).
        timeline: its entries, oldest first, the opening included.
        today: the local date.

    Returns:
        One `Tracked` per deadline, earliest due first.
    """
    tracked = []
    for step, deadline in trackable(profile, scopes):
        done = met_on(profile, step.value, deadline.met_when, timeline)
        status = deadline_status(profile, deadline, today)
        overdue_by = None
        if status is DeadlineStatus.PAST_AT_ISSUE:
            standing = Standing.PAST_AT_ISSUE
        elif done is not None:
            standing = Standing.MET if done <= deadline.due_on else Standing.MET_LATE
        elif status is DeadlineStatus.PASSED:
            standing = Standing.OVERDUE
            overdue_by = (today - deadline.due_on).days
        elif status is DeadlineStatus.UPCOMING:
            standing = Standing.UPCOMING
        else:
            standing = Standing.DUE
        tracked.append(Tracked(step, deadline, standing, done, overdue_by))
    return tracked


def passed_deadlines(profile: ProgrammeProfile, today: date) -> list[tuple[StageCode, Deadline]]:
    """The deadlines of every project kind whose due date has passed (and were not past at issue)."""
    every_kind = set(DeadlineScope)
    return [
        (step, d)
        for step, d in trackable(profile, every_kind)
        if deadline_status(profile, d, today) is DeadlineStatus.PASSED
    ]

"""The central-fund list's milestones (Kaifeng 三) and how far the listed communities are along them.

Kaifeng 三: 列入2019年中央资金补助的117个老旧小区要在今年12月底前全部完成立项、设计、预算、评审、
公开招标等工作……于2020年6月底前必须完成改造. The profile writes each date as a lifecycle deadline
with `applies_to: centrally_funded` on the step it sits on (tender; construction); this module
reads them (`central_list_milestones`) and measures listed communities against them.

Platform readings where the plan is silent (documented in docs/programmes.md):
- a listed community has reached a step once a project renovating it (its own, or a contiguous
  group it belongs to) reached that step by the day asked about;
- the work due by a day grows evenly by day from the plan's issue to the due date, rounded down
  (nobody is behind for a fraction), as for the yearly targets (`domain/targets.py`);
- city-wide, the target is the plan's number (117) or the communities the ledger lists, whichever
  is more, so a list not yet entered in full still shows what the plan asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from shared.policy import ProgrammeProfile
from shared.policy.models.lifecycle import Deadline, DeadlineMet, DeadlineScope, StageCode
from shared.policy.rules.lifecycle import project_deadlines

__all__ = [
    "MILESTONE_DAYS",
    "ListMilestone",
    "MilestoneProgress",
    "MilestoneStatus",
    "central_list_milestones",
    "milestone_progress",
]

MILESTONE_DAYS: dict[tuple[StageCode, DeadlineMet], str] = {
    (StageCode.TENDER, DeadlineMet.COMPLETED): "tendered_on",
    (StageCode.CONSTRUCTION, DeadlineMet.STARTED): "started_on",
    (StageCode.CONSTRUCTION, DeadlineMet.COMPLETED): "completed_on",
    (StageCode.ACCEPTANCE, DeadlineMet.COMPLETED): "accepted_on",
}
"""(step, what meets the deadline) → the `project_street` column holding the day a project got there."""


class MilestoneStatus(StrEnum):
    """Where the list stands against one milestone on a day."""

    MET = "met"  # every listed community reached the step
    ON_TRACK = "on_track"  # at or above the even pace due by now
    BEHIND = "behind"  # below the pace, due date not passed
    MISSED = "missed"  # the due date passed with communities left


@dataclass(frozen=True)
class ListMilestone:
    """One dated milestone of the list: the step, what meets it, and the project date it reads."""

    step: str
    deadline: Deadline
    day_column: str


@dataclass(frozen=True)
class MilestoneProgress:
    """Listed communities against one milestone on `as_of`."""

    target: int
    done: int
    expected_by_now: int
    remaining: int
    weeks_left: int
    needed_per_week: int
    status: MilestoneStatus

    @property
    def behind_by(self) -> int:
        return max(0, self.expected_by_now - self.done)


def central_list_milestones(profile: ProgrammeProfile) -> tuple[ListMilestone, ...]:
    """The plan's deadlines for centrally funded communities, earliest first.

    Args:
        profile: the programme's profile.

    Returns:
        The milestones (empty for a plan with no central-fund list).

    Raises:
        ValueError: a deadline sits on a step whose day reporting does not keep (a profile error,
            caught by the unit test over every bundled profile).
    """
    found = []
    for step, deadline in project_deadlines(profile, {DeadlineScope.CENTRALLY_FUNDED}):
        if deadline.applies_to is not DeadlineScope.CENTRALLY_FUNDED:
            continue
        column = MILESTONE_DAYS.get((step, deadline.met_when))
        if column is None:
            raise ValueError(f"{profile.code}: deadline {deadline.code!r} on {step!r} is not tracked")
        found.append(ListMilestone(str(step), deadline, column))
    return tuple(found)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def milestone_progress(
    target: int, done: int, issued_on: date, due_on: date, as_of: date
) -> MilestoneProgress:
    """How far `done` of `target` communities are against a milestone due on `due_on`.

    Args:
        target: communities that must reach the step.
        done: communities that reached it by the end of `as_of`.
        issued_on: the plan's issue day, where the even pace starts.
        due_on: the deadline (on or before: `due_on` itself is still in time).
        as_of: the day the figures are as of.

    Returns:
        The pace due by now (rounded down), what is left, the weeks left (rounded up) and the
        communities per week needed (rounded up), and the status.
    """
    if as_of >= due_on or due_on <= issued_on:
        share = Fraction(1)
    elif as_of <= issued_on:
        share = Fraction(0)
    else:
        share = Fraction((as_of - issued_on).days, (due_on - issued_on).days)
    expected = (target * share).numerator // (target * share).denominator
    remaining = max(0, target - done)
    weeks_left = _ceil(Fraction((due_on - as_of).days, 7)) if as_of < due_on else 0
    needed = _ceil(Fraction(remaining, weeks_left)) if weeks_left else remaining
    if remaining == 0:
        status = MilestoneStatus.MET
    elif as_of > due_on:
        status = MilestoneStatus.MISSED
    elif done >= expected:
        status = MilestoneStatus.ON_TRACK
    else:
        status = MilestoneStatus.BEHIND
    return MilestoneProgress(target, done, expected, remaining, weeks_left, needed, status)

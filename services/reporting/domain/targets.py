"""Progress against a programme's targets, and the pace still needed to meet them.

The plans set yearly shares of the whole task: Zhengzhou 2019 一(三) 2019年、2020年各完成整治任务
（个数）的50%; Zhengzhou 2018 二 按照20%、40%、40%的年度计划; or one day for all of it: Kaifeng 三
2021年6月底前，基本完成…改造工作. The share due by a day comes from the profile
(`shared.policy.share_due_by`), never from here.

Platform readings where the plans are silent: a district's task is the projects in its ledger for
the programme (台账) as of the day asked about; a project counts as done once it passed acceptance
(工程验收), the step the award waits for; within a year (or up to a deadline) the share due grows
evenly by day, so a district is on track when it has done at least the share due by that day. The
"year-end" target is counted to the year's end, or to the deadline where it falls earlier in the
year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from shared.policy import ProgrammeProfile, share_due_by, target_horizon

__all__ = ["TargetProgress", "target_progress"]


@dataclass(frozen=True)
class TargetProgress:
    """One district's progress in one programme on `as_of`, with the trajectory it needs."""

    as_of: date
    year: int
    task: int
    done: int
    share_due_by_year_end: Fraction
    target_by_year_end: int
    expected_by_now: int
    remaining_this_year: int
    weeks_left: int
    needed_per_week: int

    @property
    def on_track(self) -> bool:
        return self.done >= self.expected_by_now

    @property
    def behind_by(self) -> int:
        return max(0, self.expected_by_now - self.done)

    @property
    def done_share(self) -> Fraction:
        return Fraction(self.done, self.task) if self.task else Fraction(0)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def target_progress(profile: ProgrammeProfile, task: int, done: int, as_of: date) -> TargetProgress:
    """How far a district is against the plan's yearly shares on `as_of`.

    Args:
        profile: the programme; must set yearly targets or a deadline (`RuleAbsentError` otherwise).
        task: the district's task (projects in its ledger for the programme).
        done: projects accepted so far.
        as_of: the day the figures are as of (its end).

    Returns:
        The year's target in whole projects rounded up (50% of 7 is 4: half a project is not a
        target met); the pace due so far rounded down (nobody is behind for a fraction).
    """
    year = as_of.year
    horizon = target_horizon(profile, as_of)
    due_by_year_end = share_due_by(profile, horizon)
    target_by_year_end = _ceil(task * due_by_year_end)
    expected = task * share_due_by(profile, as_of)
    expected_by_now = expected.numerator // expected.denominator
    remaining = max(0, target_by_year_end - done)
    weeks_left = max(1, _ceil(Fraction((horizon - as_of).days, 7))) if as_of < horizon else 0
    needed = _ceil(Fraction(remaining, weeks_left)) if weeks_left else remaining
    return TargetProgress(
        as_of=as_of,
        year=year,
        task=task,
        done=done,
        share_due_by_year_end=due_by_year_end,
        target_by_year_end=target_by_year_end,
        expected_by_now=expected_by_now,
        remaining_this_year=remaining,
        weeks_left=weeks_left,
        needed_per_week=needed,
    )

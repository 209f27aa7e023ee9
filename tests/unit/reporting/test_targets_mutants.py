"""The pace due within a year, day by day, from the profile's yearly shares.

Zhengzhou 2019 一(三): 2019年、2020年各完成整治任务的50%. A task of 730 projects makes one project due
per day of 2019 (365 days, half the task), and a task of 732 one per day of 2020 (366 days).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.reporting.domain.targets import TargetProgress, target_progress
from shared.policy import get_profile

ZZ2019 = get_profile("zhengzhou-2019")


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2019, 1, 1), 1),  # the first day counts in full
        (date(2019, 1, 2), 2),
        (date(2019, 7, 2), 183),
        (date(2019, 12, 30), 364),
        (date(2019, 12, 31), 365),
    ],
)
def test_one_project_a_day_is_due_through_2019(as_of: date, expected: int) -> None:
    assert target_progress(ZZ2019, task=730, done=0, as_of=as_of).expected_by_now == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2020, 1, 1), 367),  # 2019's half (366) and the first day of 2020
        (date(2020, 2, 29), 426),  # leap day: day 60
        (date(2020, 12, 31), 732),
    ],
)
def test_2020_adds_its_half_over_a_leap_year(as_of: date, expected: int) -> None:
    assert target_progress(ZZ2019, task=732, done=0, as_of=as_of).expected_by_now == expected


def test_the_figures_are_those_of_the_day_asked() -> None:
    p = target_progress(ZZ2019, task=730, done=100, as_of=date(2019, 3, 1))
    assert (p.as_of, p.year, p.task, p.done) == (date(2019, 3, 1), 2019, 730, 100)
    assert (p.share_due_by_year_end, p.target_by_year_end) == (Fraction(1, 2), 365)
    assert p.expected_by_now == 60  # 1 March is day 60 of 2019
    assert (p.on_track, p.behind_by) == (True, 0)
    assert p.done_share == Fraction(100, 730)
    assert p.remaining_this_year == 265


def test_on_the_last_day_no_week_is_left_and_all_that_remains_is_needed_now() -> None:
    last = target_progress(ZZ2019, task=10, done=2, as_of=date(2019, 12, 31))
    assert (last.weeks_left, last.remaining_this_year, last.needed_per_week) == (0, 3, 3)


def test_the_day_before_the_last_leaves_one_week() -> None:
    eve = target_progress(ZZ2019, task=10, done=2, as_of=date(2019, 12, 30))
    assert (eve.weeks_left, eve.needed_per_week) == (1, 3)
    two_weeks = target_progress(ZZ2019, task=10, done=2, as_of=date(2019, 12, 23))  # 8 days left
    assert (two_weeks.weeks_left, two_weeks.needed_per_week) == (2, 2)  # 3 over 2 weeks: 2 a week
    one_week = target_progress(ZZ2019, task=10, done=2, as_of=date(2019, 12, 24))  # 7 days left
    assert one_week.weeks_left == 1


def test_ahead_of_the_target_nothing_remains_and_nobody_is_behind() -> None:
    ahead = target_progress(ZZ2019, task=10, done=7, as_of=date(2019, 6, 1))
    assert (ahead.remaining_this_year, ahead.needed_per_week, ahead.behind_by) == (0, 0, 0)


def test_a_district_with_no_task_has_no_share_done() -> None:
    empty = target_progress(ZZ2019, task=0, done=0, as_of=date(2019, 6, 1))
    assert (empty.done_share, empty.target_by_year_end, empty.expected_by_now, empty.on_track) == (
        Fraction(0),
        0,
        0,
        True,
    )


def test_behind_by_is_the_gap_to_the_pace_due() -> None:
    p = TargetProgress(date(2019, 6, 1), 2019, 10, 1, Fraction(1, 2), 5, 3, 4, 30, 1)
    assert (p.on_track, p.behind_by, p.done_share) == (False, 2, Fraction(1, 10))
    exactly = TargetProgress(date(2019, 6, 1), 2019, 10, 3, Fraction(1, 2), 5, 3, 2, 30, 1)
    assert (exactly.on_track, exactly.behind_by) == (True, 0)

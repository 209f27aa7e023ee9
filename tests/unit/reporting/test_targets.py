"""Progress against yearly targets comes from the profile's shares, never from reporting's code."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.reporting.domain.targets import target_progress
from shared.policy import RuleAbsentError, get_profile

ZZ2019 = get_profile("zhengzhou-2019")  # 一(三): 50% in 2019, 50% in 2020
ZZ2018 = get_profile("zhengzhou-2018")  # 二: 20%, 40%, 40% over 2018-2020


def test_zhengzhou_2019_wants_half_of_the_task_by_the_end_of_2019() -> None:
    end = target_progress(ZZ2019, task=10, done=5, as_of=date(2019, 12, 31))
    assert (end.share_due_by_year_end, end.target_by_year_end, end.expected_by_now) == (Fraction(1, 2), 5, 5)
    assert end.on_track and end.remaining_this_year == 0


def test_the_years_share_is_due_evenly_by_day_and_rounded_down_so_far() -> None:
    midyear = target_progress(ZZ2019, task=10, done=2, as_of=date(2019, 7, 2))  # day 183 of 365
    assert midyear.expected_by_now == 2  # 10 × 0.5 × 183/365 = 2.5 → 2
    assert midyear.on_track
    behind = target_progress(ZZ2019, task=10, done=1, as_of=date(2019, 7, 2))
    assert not behind.on_track and behind.behind_by == 1


def test_the_year_end_target_is_rounded_up_to_whole_projects() -> None:
    assert target_progress(ZZ2019, task=7, done=0, as_of=date(2019, 3, 1)).target_by_year_end == 4


def test_the_pace_needed_spreads_what_remains_over_the_weeks_left() -> None:
    p = target_progress(ZZ2019, task=100, done=60, as_of=date(2020, 10, 1))
    assert (p.target_by_year_end, p.remaining_this_year, p.weeks_left) == (100, 40, 13)
    assert p.needed_per_week == 4  # 40 / 13 = 3.08 → 4


def test_zhengzhou_2018_accumulates_twenty_then_sixty_then_all() -> None:
    assert [
        target_progress(ZZ2018, 100, 0, date(y, 12, 31)).target_by_year_end for y in (2018, 2019, 2020)
    ] == [
        20,
        60,
        100,
    ]


def test_before_the_programme_nothing_is_due_and_after_it_everything_is() -> None:
    assert target_progress(ZZ2019, 10, 0, date(2018, 6, 1)).expected_by_now == 0
    after = target_progress(ZZ2019, 10, 9, date(2021, 3, 1))
    assert (after.expected_by_now, after.on_track) == (10, False)


def test_a_programme_without_yearly_targets_is_refused_not_guessed() -> None:
    with pytest.raises(RuleAbsentError):
        target_progress(get_profile("zhongyuan-2013"), 10, 0, date(2013, 6, 1))

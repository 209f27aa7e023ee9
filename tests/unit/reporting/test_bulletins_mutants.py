"""The weekly bulletin (Kaifeng 七(七) 周通报; Zhengzhou 2019 七(四) 通报批评): ranking, laggards,
publishing only once the week is over, restating changed figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest

from services.reporting.domain.bulletins import RESTATED_FIGURES, Line, check_publishable, rank, restatements
from services.reporting.domain.periods import Period, PeriodSpan
from services.reporting.domain.targets import TargetProgress
from shared.clock import SHANGHAI
from shared.errors import InvalidState


def _progress(done: int, expected: int) -> TargetProgress:
    return TargetProgress(
        as_of=date(2026, 6, 30),
        year=2026,
        task=100,
        done=done,
        share_due_by_year_end=Fraction(1, 2),
        target_by_year_end=50,
        expected_by_now=expected,
        remaining_this_year=50 - done,
        weeks_left=26,
        needed_per_week=1,
    )


def _line(code: str, task: int, done: int, progress: TargetProgress | None = None) -> Line:
    return Line(code, task=task, done=done, accepted_this_week=0, progress=progress)


def test_share_is_done_over_task_and_zero_without_a_task() -> None:
    assert _line("A", 8, 2).share == Fraction(1, 4)
    assert _line("A", 0, 3).share == 0


def test_lagging_is_behind_the_pace_and_unknown_without_a_target() -> None:
    assert _line("A", 100, 20, _progress(done=20, expected=21)).lagging is True
    assert _line("A", 100, 21, _progress(done=21, expected=21)).lagging is False
    assert _line("A", 100, 0, None).lagging is False


def test_rank_by_share_then_done_then_code() -> None:
    lines = [
        _line("410105", 10, 5),  # 1/2, 5 done
        _line("410103", 4, 2),  # 1/2, 2 done
        _line("410102", 10, 9),  # 9/10
        _line("410108", 20, 10),  # 1/2, 10 done
        _line("410101", 4, 2),  # 1/2, 2 done: ties 410103 on both, code first
        _line("410104", 0, 0),  # no task: share 0, last
    ]
    assert [line.district_code for line in rank(lines)] == [
        "410102",
        "410108",
        "410105",
        "410101",
        "410103",
        "410104",
    ]


WEEK = PeriodSpan(Period.WEEK, date(2026, 11, 16), date(2026, 11, 22))
OVER = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI)


def test_a_week_is_publishable_from_midnight_after_its_sunday() -> None:
    check_publishable(WEEK, OVER)
    check_publishable(WEEK, OVER + timedelta(days=3))


def test_a_week_not_over_is_refused_as_open_naming_week_of() -> None:
    with pytest.raises(InvalidState) as caught:
        check_publishable(WEEK, OVER - timedelta(microseconds=1))
    error = caught.value
    assert error.detail == "week 2026-W47 is not over: publish its bulletin after 2026-11-22 (Asia/Shanghai)"
    assert error.current == "open"
    assert error.allowed == []
    assert [p.as_dict() for p in error.errors] == [
        {"field": "week_of", "rule": "period_not_over", "message": "publish after 2026-11-22 (Asia/Shanghai)"}
    ]


def test_restated_figures_are_task_and_done() -> None:
    assert RESTATED_FIGURES == ("task", "done")


def test_restatements_list_changed_figures_by_district_task_before_done() -> None:
    published = {"410105": {"task": 10, "done": 4}, "410102": {"task": 20, "done": 7, "other": 1}}
    now = {"410105": {"task": 10, "done": 5}, "410102": {"task": 21, "done": 8, "other": 2}}
    assert restatements(published, now) == [
        ("410102", "task", 20, 21),
        ("410102", "done", 7, 8),
        ("410105", "done", 4, 5),
    ]


def test_restatements_count_a_missing_district_or_figure_as_zero() -> None:
    assert restatements({"410102": {"done": 3}}, {"410108": {"task": 1}}) == [
        ("410102", "done", 3, 0),
        ("410108", "task", 0, 1),
    ]
    assert restatements({"410102": {"task": 0}}, {}) == []
    assert restatements({}, {"410102": {"task": 0, "done": 0}}) == []

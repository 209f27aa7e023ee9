"""Which days of construction count for the daily patrol, and which are missing (pure rules)."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.domain.patrols import (
    ConstructionPeriod,
    check_patrol_date,
    construction_period,
    patrol_gaps,
    patrol_rule,
)
from shared.errors import Conflict, RuleViolation
from shared.policy import get_profile

D = date


def test_the_period_comes_from_the_first_start_and_completion_in_the_timeline() -> None:
    steps = [
        ("tender-award", D(2026, 3, 1)),
        ("construction-start", D(2026, 3, 5)),
        ("construction-completion", D(2026, 5, 1)),
    ]
    assert construction_period(steps) == ConstructionPeriod(D(2026, 3, 5), D(2026, 5, 1))
    assert construction_period([]) == ConstructionPeriod(None, None)


def test_today_is_due_not_missing_and_yesterday_without_a_patrol_is_missing() -> None:
    gaps = patrol_gaps(ConstructionPeriod(D(2026, 3, 5), None), [D(2026, 3, 5)], today=D(2026, 3, 7))
    assert (gaps.through, gaps.missing_days, gaps.due_today) == (D(2026, 3, 6), [D(2026, 3, 6)], True)


def test_on_the_first_day_of_works_nothing_is_missing_yet() -> None:
    gaps = patrol_gaps(ConstructionPeriod(D(2026, 3, 5), None), [], today=D(2026, 3, 5))
    assert (gaps.through, gaps.missing_days, gaps.due_today) == (None, [], True)


def test_completion_day_counts_and_nothing_after_it() -> None:
    period = ConstructionPeriod(D(2026, 3, 5), D(2026, 3, 7))
    gaps = patrol_gaps(period, [D(2026, 3, 6)], today=D(2026, 4, 1))
    assert (gaps.through, gaps.missing_days, gaps.due_today) == (
        D(2026, 3, 7),
        [D(2026, 3, 5), D(2026, 3, 7)],
        False,
    )


def test_before_works_start_there_is_nothing_to_patrol() -> None:
    assert patrol_gaps(ConstructionPeriod(None, None), [], today=D(2026, 3, 7)).missing_days == []


@pytest.mark.parametrize(
    ("day", "rule"),
    [
        (D(2026, 3, 8), "not_in_future"),
        (D(2026, 3, 4), "patrol_during_construction"),
        (D(2026, 3, 8), "not_in_future"),
    ],
)
def test_a_patrol_date_outside_construction_or_ahead_of_today_breaks_its_rule(day: date, rule: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_patrol_date(day, ConstructionPeriod(D(2026, 3, 5), None), today=D(2026, 3, 7))
    assert caught.value.errors[0].rule == rule


def test_only_zhongyuan_keeps_daily_patrols_and_puts_them_on_the_street_office() -> None:
    assert patrol_rule(get_profile("zhongyuan-2013")).actor.value == "street_office"
    for code in ("zhengzhou-2019", "zhengzhou-2018", "kaifeng-2019"):
        with pytest.raises(Conflict):
            patrol_rule(get_profile(code))

"""Zhongyuan 五(二)5's daily patrol: the construction period's edges, who records, the refusals."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.domain.patrols import (
    ConstructionPeriod,
    PatrolGaps,
    check_patrol_date,
    check_patroller,
    construction_period,
    patrol_gaps,
    patrol_rule,
)
from shared.errors import Conflict, Forbidden, RuleViolation
from shared.policy import get_profile

D = date
ZY = get_profile("zhongyuan-2013")


def test_works_are_on_site_from_the_start_day_to_the_completion_day_both_included() -> None:
    period = ConstructionPeriod(D(2026, 3, 5), D(2026, 3, 7))
    assert [period.covers(D(2026, 3, day)) for day in range(4, 9)] == [False, True, True, True, False]
    open_ended = ConstructionPeriod(D(2026, 3, 5), None)
    assert (open_ended.covers(D(2026, 3, 4)), open_ended.covers(D(2027, 1, 1))) == (False, True)
    assert not ConstructionPeriod(None, None).covers(D(2026, 3, 5))


def test_the_first_start_and_first_completion_count_and_other_actions_do_not() -> None:
    steps = [
        ("tender-award", D(2026, 3, 1)),
        ("construction-start", D(2026, 3, 5)),
        ("progress-report", D(2026, 3, 20)),
        ("construction-start", D(2026, 3, 9)),
        ("construction-completion", D(2026, 5, 1)),
        ("construction-completion", D(2026, 5, 9)),
    ]
    assert construction_period(steps) == ConstructionPeriod(D(2026, 3, 5), D(2026, 5, 1))
    assert construction_period([("tender-award", D(2026, 3, 1))]) == ConstructionPeriod(None, None)
    assert construction_period(
        [("tender-award", D(2026, 3, 1)), ("construction-start", D(2026, 3, 5))]
    ) == ConstructionPeriod(D(2026, 3, 5), None)


def test_a_programme_without_patrols_says_so_on_the_programme_code() -> None:
    with pytest.raises(Conflict) as caught:
        patrol_rule(get_profile("kaifeng-2019"))
    assert caught.value.detail == "kaifeng-2019 keeps no daily safety patrol: its plan asks for none"
    assert [(p.field, p.rule, p.message) for p in caught.value.errors] == [
        ("programme_code", "daily_patrol_programme", "kaifeng-2019 has no daily safety patrol in its plan")
    ]


def test_only_the_street_office_records_zhongyuans_patrol() -> None:
    rule = patrol_rule(ZY)
    check_patroller(ZY, rule, "street_office")
    with pytest.raises(Forbidden) as caught:
        check_patroller(ZY, rule, "contractor")
    assert (
        caught.value.detail
        == "under zhongyuan-2013 the daily patrol is recorded by the street_office (五(二)5)"
    )


def test_a_patrol_may_be_dated_today_and_on_the_first_and_last_day_of_works() -> None:
    period = ConstructionPeriod(D(2026, 3, 5), D(2026, 3, 7))
    for day in (D(2026, 3, 5), D(2026, 3, 6), D(2026, 3, 7)):
        check_patrol_date(day, period, today=D(2026, 3, 7))
    check_patrol_date(D(2026, 3, 7), ConstructionPeriod(D(2026, 3, 5), None), today=D(2026, 3, 7))
    check_patrol_date(D(2026, 3, 1), ConstructionPeriod(None, None), today=D(2026, 3, 7))


def _refusal(day: date, period: ConstructionPeriod, today: date) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        check_patrol_date(day, period, today)
    return caught.value


def test_each_refused_patrol_date_names_the_field_and_the_day_it_must_keep_to() -> None:
    future = _refusal(D(2026, 3, 8), ConstructionPeriod(D(2026, 3, 5), None), D(2026, 3, 7))
    assert future.detail == "patrolled_on 2026-03-08 is in the future (today is 2026-03-07 in Asia/Shanghai)"
    assert [(p.field, p.rule, p.message) for p in future.errors] == [
        ("patrolled_on", "not_in_future", "give a date on or before 2026-03-07")
    ]
    early = _refusal(D(2026, 3, 4), ConstructionPeriod(D(2026, 3, 5), None), D(2026, 3, 7))
    assert early.detail == "patrolled_on 2026-03-04 is before construction started (2026-03-05)"
    assert [(p.field, p.rule, p.message) for p in early.errors] == [
        ("patrolled_on", "patrol_during_construction", "on or after 2026-03-05")
    ]
    late = _refusal(D(2026, 3, 8), ConstructionPeriod(D(2026, 3, 5), D(2026, 3, 7)), D(2026, 3, 10))
    assert late.detail == "patrolled_on 2026-03-08 is after construction was completed (2026-03-07)"
    assert [(p.field, p.rule, p.message) for p in late.errors] == [
        ("patrolled_on", "patrol_during_construction", "on or before 2026-03-07")
    ]


def test_works_starting_after_today_leave_nothing_due() -> None:
    gaps = patrol_gaps(ConstructionPeriod(D(2026, 3, 9), None), [], today=D(2026, 3, 7))
    assert gaps == PatrolGaps(None, [], False)
    assert gaps.due_today is False


def test_on_the_second_day_the_first_day_is_checked_through() -> None:
    gaps = patrol_gaps(ConstructionPeriod(D(2026, 3, 5), None), [D(2026, 3, 6)], today=D(2026, 3, 6))
    assert gaps == PatrolGaps(D(2026, 3, 5), [D(2026, 3, 5)], False)

"""When a step may be dated (`services.registry.domain.dates`): today is the day in Asia/Shanghai,
a step is never dated before its programme's plan was issued nor before the project's last step,
and a ledger date never before 1 January of the programme's year. Each boundary: on it is fine,
one day past it is refused with the field and the rule named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.registry.domain.dates import check_registered_on, check_step_date
from shared.errors import FieldProblem, RuleViolation

# 16:00 UTC on 31 March is midnight on 1 April in Shanghai (UTC+8).
SHANGHAI_APRIL_FIRST = datetime(2024, 3, 31, 16, 0, tzinfo=UTC)
STILL_MARCH_IN_SHANGHAI = datetime(2024, 3, 31, 15, 59, tzinfo=UTC)
ISSUED = date(2019, 4, 3)  # Zhengzhou 2019's plan


def step(on: date, *, now: datetime = SHANGHAI_APRIL_FIRST, previous_on: date | None = None) -> None:
    check_step_date("started_on", on, now=now, programme_issued_on=ISSUED, previous_on=previous_on)


def refusal(call: object, *args: object, **kwargs: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def test_a_step_dated_today_in_shanghai_is_taken_while_utc_still_reads_yesterday() -> None:
    step(date(2024, 4, 1))


def test_a_step_dated_tomorrow_in_shanghai_is_in_the_future() -> None:
    error = refusal(step, date(2024, 4, 2))
    assert error.errors == [
        FieldProblem("started_on", "not_in_future", "give a date on or before 2024-04-01")
    ]
    assert "started_on 2024-04-02" in error.detail and "today is 2024-04-01" in error.detail


def test_one_minute_before_shanghai_midnight_the_first_of_april_is_still_the_future() -> None:
    error = refusal(step, date(2024, 4, 1), now=STILL_MARCH_IN_SHANGHAI)
    assert [(p.field, p.rule) for p in error.errors] == [("started_on", "not_in_future")]
    assert "2024-03-31" in error.errors[0].message


def test_the_day_the_plan_was_issued_is_the_earliest_step_date() -> None:
    step(ISSUED)
    error = refusal(step, date(2019, 4, 2))
    assert error.errors == [
        FieldProblem("started_on", "not_before_programme", "give a date on or after 2019-04-03")
    ]
    assert "2019-04-02" in error.detail and "(2019-04-03)" in error.detail


def test_a_step_may_share_the_previous_steps_day_but_not_precede_it() -> None:
    step(date(2024, 3, 1), previous_on=date(2024, 3, 1))
    error = refusal(step, date(2024, 2, 29), previous_on=date(2024, 3, 1))
    assert error.errors == [
        FieldProblem("started_on", "not_before_previous_step", "give a date on or after 2024-03-01")
    ]
    assert "previous step (2024-03-01)" in error.detail


def test_without_a_previous_step_only_the_programme_and_today_bound_the_date() -> None:
    step(ISSUED, previous_on=None)


def test_the_field_named_is_the_one_the_caller_gives() -> None:
    error = refusal(
        check_step_date,
        "consulted_on",
        date(2030, 1, 1),
        now=SHANGHAI_APRIL_FIRST,
        programme_issued_on=ISSUED,
        previous_on=None,
    )
    assert error.errors[0].field == "consulted_on" and error.detail.startswith("consulted_on 2030-01-01")


def test_a_future_date_is_named_as_such_even_when_the_programme_is_not_issued_yet() -> None:
    error = refusal(
        check_step_date,
        "started_on",
        date(2024, 4, 5),
        now=SHANGHAI_APRIL_FIRST,
        programme_issued_on=date(2024, 5, 1),
        previous_on=date(2024, 6, 1),
    )
    assert [p.rule for p in error.errors] == ["not_in_future"]


def test_a_step_before_the_programme_is_named_before_the_previous_step_rule() -> None:
    error = refusal(step, date(2019, 1, 1), previous_on=date(2020, 1, 1))
    assert [p.rule for p in error.errors] == ["not_before_programme"]


def test_a_ledger_date_may_be_the_first_of_january_of_the_programme_year() -> None:
    check_registered_on(date(2019, 1, 1), now=SHANGHAI_APRIL_FIRST, programme_year=2019)


def test_a_ledger_date_in_the_year_before_the_programme_is_refused() -> None:
    error = refusal(check_registered_on, date(2018, 12, 31), now=SHANGHAI_APRIL_FIRST, programme_year=2019)
    assert error.errors == [
        FieldProblem("registered_on", "not_before_programme_year", "give a date on or after 2019-01-01")
    ]
    assert "registered_on 2018-12-31" in error.detail and "year 2019" in error.detail


def test_a_ledger_date_of_today_in_shanghai_is_taken_and_tomorrow_is_refused() -> None:
    check_registered_on(date(2024, 4, 1), now=SHANGHAI_APRIL_FIRST, programme_year=2019)
    error = refusal(check_registered_on, date(2024, 4, 1), now=STILL_MARCH_IN_SHANGHAI, programme_year=2019)
    assert error.errors == [
        FieldProblem("registered_on", "not_in_future", "give a date on or before 2024-03-31")
    ]
    assert "registered_on 2024-04-01" in error.detail and "today is 2024-03-31" in error.detail


def test_a_future_ledger_date_is_named_future_even_before_the_programme_year() -> None:
    error = refusal(check_registered_on, date(2024, 4, 2), now=SHANGHAI_APRIL_FIRST, programme_year=2030)
    assert [p.rule for p in error.errors] == ["not_in_future"]

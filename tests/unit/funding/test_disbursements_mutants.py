"""Tranches and reversals (Zhengzhou 2019 五(一); issue 9: never pay more than is awarded): only on
an approved award, never above what is outstanding, dated neither ahead of today nor before the
approval (Asia/Shanghai days); a payment is reversed once, by a later or same-day entry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.funding.domain.awards import AwardStatus
from services.funding.domain.disbursements import check_reversal, check_tranche
from shared.errors import FieldProblem, InvalidState, RuleViolation


def shanghai(day: date, hour: int = 0) -> datetime:
    """`hour` o'clock on `day` in Shanghai (UTC+8), as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


NOW = shanghai(date(2027, 3, 10), 0)  # already 10 March in Shanghai, still 9 March in UTC
APPROVED_AT = shanghai(date(2027, 1, 5), 1)  # 5 Jan in Shanghai, 4 Jan in UTC


def tranche(**changes: object) -> None:
    arguments: dict[str, object] = {
        "status": AwardStatus.APPROVED,
        "amount_fen": 5_000,
        "outstanding_fen": 5_000,
        "paid_on": date(2027, 3, 10),
        "approved_at": APPROVED_AT,
        "now": NOW,
    }
    check_tranche(**{**arguments, **changes})  # type: ignore[arg-type]


def refused(**changes: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        tranche(**changes)
    assert caught.value.detail == "the tranche is refused"
    return caught.value


def test_exactly_the_outstanding_amount_on_the_approval_day_or_today_is_paid() -> None:
    tranche()
    tranche(paid_on=date(2027, 1, 5))
    tranche(amount_fen=1, approved_at=None, paid_on=date(2020, 1, 1))


def test_a_proposed_award_takes_no_tranche_and_says_approve_first() -> None:
    with pytest.raises(InvalidState) as caught:
        tranche(status=AwardStatus.PROPOSED)
    error = caught.value
    assert error.detail == "a tranche can only be paid against an approved award"
    assert error.current == "proposed"
    assert error.allowed == ["approve"]
    assert error.errors == [FieldProblem("status", "must_be_approved", "current status: proposed")]


def test_one_fen_above_the_outstanding_amount_is_refused_naming_what_is_left() -> None:
    error = refused(amount_fen=5_001)
    assert error.errors == [
        FieldProblem("amount_fen", "exceeds_outstanding", "at most 5000 fen is outstanding on this award")
    ]


def test_an_overpaid_award_says_nothing_is_outstanding_rather_than_a_negative_figure() -> None:
    error = refused(amount_fen=1, outstanding_fen=-300)
    assert error.errors[0].message == "at most 0 fen is outstanding on this award"


def test_a_tranche_dated_tomorrow_in_shanghai_is_refused() -> None:
    error = refused(paid_on=date(2027, 3, 11))
    assert error.errors == [FieldProblem("paid_on", "not_in_future", "on or before 2027-03-10")]


def test_a_tranche_dated_the_day_before_the_approval_in_shanghai_is_refused() -> None:
    error = refused(paid_on=date(2027, 1, 4))
    assert error.errors == [FieldProblem("paid_on", "not_before_approval", "on or after 2027-01-05")]


def test_every_problem_of_a_tranche_is_named_at_once_in_order() -> None:
    error = refused(amount_fen=5_001, paid_on=date(2027, 3, 11), approved_at=shanghai(date(2027, 3, 12)))
    assert [(p.field, p.rule) for p in error.errors] == [
        ("amount_fen", "exceeds_outstanding"),
        ("paid_on", "not_in_future"),
        ("paid_on", "not_before_approval"),
    ]
    assert error.errors[2].message == "on or after 2027-03-12"


# reversals ----------------------------------------------------------------------------------------


def reverse(**changes: object) -> None:
    arguments: dict[str, object] = {
        "already_reversed": False,
        "is_reversal": False,
        "reversed_on": date(2027, 3, 10),
        "paid_on": date(2027, 3, 1),
        "now": NOW,
    }
    check_reversal(**{**arguments, **changes})  # type: ignore[arg-type]


def test_a_payment_is_reversed_today_or_on_its_own_day() -> None:
    reverse()
    reverse(reversed_on=date(2027, 3, 1))


def test_a_reversal_is_never_reversed_even_when_marked_reversed() -> None:
    for already in (False, True):
        with pytest.raises(RuleViolation) as caught:
            reverse(is_reversal=True, already_reversed=already)
        assert caught.value.detail == "a reversal cannot itself be reversed"
        assert caught.value.errors == [
            FieldProblem("tranche_id", "not_a_payment", "reverse the payment, not its reversal")
        ]


def test_a_payment_is_reversed_only_once() -> None:
    with pytest.raises(InvalidState) as caught:
        reverse(already_reversed=True)
    assert caught.value.detail == "this tranche is already reversed"
    assert caught.value.current == "reversed"
    assert caught.value.allowed == []


def test_a_reversal_dated_tomorrow_in_shanghai_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        reverse(reversed_on=date(2027, 3, 11))
    assert caught.value.detail == "the reversal is refused"
    assert caught.value.errors == [FieldProblem("reversed_on", "not_in_future", "on or before 2027-03-10")]


def test_a_reversal_dated_before_the_payment_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        reverse(reversed_on=date(2027, 2, 28))
    assert caught.value.errors == [
        FieldProblem("reversed_on", "not_before_payment", "on or after 2027-03-01")
    ]


def test_both_date_problems_of_a_reversal_are_named() -> None:
    with pytest.raises(RuleViolation) as caught:
        reverse(reversed_on=date(2027, 3, 11), paid_on=date(2027, 3, 12))
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("reversed_on", "not_in_future"),
        ("reversed_on", "not_before_payment"),
    ]

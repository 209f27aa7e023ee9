"""The double-entry journal: every movement debits one account and credits another; balances
are derived from the postings only."""

from __future__ import annotations

import pytest

from services.funding.domain import journal
from services.funding.domain.journal import Account, Posting


def rows(postings: list[Posting]) -> list[tuple[str, str, int]]:
    return [(p.debit.value, p.credit.value, p.amount_fen) for p in postings]


def test_approval_adjustments_tranches_and_a_reversal_derive_the_figures() -> None:
    postings = [
        *journal.approval(100_000_000),
        *journal.adjustment(-4_000_000),
        *journal.tranche(60_000_000),
        *journal.tranche(30_000_000),
        *journal.tranche_reversal(30_000_000),
    ]
    balances = journal.balances(rows(postings))
    assert balances.awarded_fen == 96_000_000
    assert balances.paid_fen == 60_000_000
    assert balances.outstanding_fen == 36_000_000
    assert balances.net_fen == 0


def test_a_zero_award_or_adjustment_posts_nothing() -> None:
    assert journal.approval(0) == [] and journal.adjustment(0) == []


def test_a_negative_true_up_credits_the_expense() -> None:
    (posting,) = journal.adjustment(-5)
    assert (posting.debit, posting.credit, posting.amount_fen) == (
        Account.AWARD_PAYABLE,
        Account.AWARD_EXPENSE,
        5,
    )


@pytest.mark.parametrize("amount", [0, -1, 1.0, True])
def test_a_posting_moves_a_positive_integer_amount(amount: object) -> None:
    with pytest.raises(ValueError):
        Posting(journal.Movement.TRANCHE_PAID, Account.AWARD_PAYABLE, Account.TREASURY, amount)  # type: ignore[arg-type]


def test_a_posting_needs_two_accounts() -> None:
    with pytest.raises(ValueError):
        Posting(journal.Movement.TRANCHE_PAID, Account.TREASURY, Account.TREASURY, 1)


def test_a_property_subsidy_schedule_and_its_payments_stay_apart_from_the_award() -> None:
    """五(三)'s subsidy is the district's money, not the city's award: its own three accounts."""
    (scheduled,) = journal.property_subsidy_scheduled(27_000_594)
    (paid,) = journal.property_subsidy_paid(750_017)
    assert (scheduled.movement, scheduled.debit, scheduled.credit) == (
        "property_subsidy_scheduled",
        Account.PROPERTY_SUBSIDY_EXPENSE,
        Account.PROPERTY_SUBSIDY_PAYABLE,
    )
    assert (paid.movement, paid.debit, paid.credit) == (
        "property_subsidy_paid",
        Account.PROPERTY_SUBSIDY_PAYABLE,
        Account.DISTRICT_TREASURY,
    )
    postings = [
        *journal.approval(100_000_000),
        *journal.tranche(60_000_000),
        scheduled,
        paid,
        *journal.property_subsidy_paid(500_000),
    ]
    balances = journal.balances(rows(postings))
    assert (balances.property_subsidy_scheduled_fen, balances.property_subsidy_paid_fen) == (
        27_000_594,
        1_250_017,
    )
    assert (balances.awarded_fen, balances.paid_fen, balances.outstanding_fen) == (
        100_000_000,
        60_000_000,
        40_000_000,
    )
    assert balances.net_fen == 0


def test_a_zero_property_subsidy_schedule_posts_nothing_and_a_payment_is_positive() -> None:
    assert journal.property_subsidy_scheduled(0) == []
    with pytest.raises(ValueError):
        journal.property_subsidy_paid(0)

"""The money journal, movement by movement (the table in `journal`'s docstring): each movement's
accounts and amount, zero movements posting nothing, and the figures a project shows derived from
its postings only (awarded, paid, outstanding, central funds; net 0 when balanced)."""

from __future__ import annotations

import pytest

from services.funding.domain import journal
from services.funding.domain.journal import Account, Balances, Movement, Posting


def rows(postings: list[Posting]) -> list[tuple[str, str, int]]:
    return [(p.debit.value, p.credit.value, p.amount_fen) for p in postings]


def test_an_approval_owes_the_district_the_award() -> None:
    assert journal.approval(1) == [
        Posting(Movement.AWARD_APPROVED, Account.AWARD_EXPENSE, Account.AWARD_PAYABLE, 1)
    ]


def test_a_positive_true_up_owes_more_and_a_negative_one_less() -> None:
    assert journal.adjustment(1) == [
        Posting(Movement.AWARD_ADJUSTED, Account.AWARD_EXPENSE, Account.AWARD_PAYABLE, 1)
    ]
    assert journal.adjustment(-1) == [
        Posting(Movement.AWARD_ADJUSTED, Account.AWARD_PAYABLE, Account.AWARD_EXPENSE, 1)
    ]


def test_a_tranche_is_paid_out_of_the_treasury_and_its_reversal_puts_it_back() -> None:
    assert journal.tranche(7) == [Posting(Movement.TRANCHE_PAID, Account.AWARD_PAYABLE, Account.TREASURY, 7)]
    assert journal.tranche_reversal(7) == [
        Posting(Movement.TRANCHE_REVERSED, Account.TREASURY, Account.AWARD_PAYABLE, 7)
    ]


def test_central_funds_move_from_the_central_fund_to_the_project() -> None:
    assert journal.central_allocation(0) == []
    assert journal.central_allocation(3) == [
        Posting(Movement.CENTRAL_ALLOCATED, Account.CENTRAL_SUBSIDY, Account.CENTRAL_FUND, 3)
    ]


@pytest.mark.parametrize(
    "movement",
    [journal.approval, journal.tranche, journal.tranche_reversal, journal.central_allocation],
)
def test_a_negative_amount_is_never_posted(movement) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"a posting moves a positive integer amount of fen, not -1"):
        movement(-1)


def test_a_zero_tranche_is_refused_rather_than_posted() -> None:
    with pytest.raises(ValueError, match="not 0"):
        journal.tranche(0)


@pytest.mark.parametrize("amount", [0, -1, 1.0, True, "1"])
def test_a_posting_names_the_refused_amount(amount: object) -> None:
    with pytest.raises(ValueError, match=r"^a posting moves a positive integer amount of fen, not "):
        Posting(Movement.TRANCHE_PAID, Account.AWARD_PAYABLE, Account.TREASURY, amount)  # type: ignore[arg-type]


def test_a_posting_to_one_account_on_both_sides_is_refused_with_the_rule() -> None:
    with pytest.raises(ValueError, match=r"^a posting debits one account and credits another$"):
        Posting(Movement.TRANCHE_PAID, Account.TREASURY, Account.TREASURY, 1)
    Posting(Movement.TRANCHE_PAID, Account.AWARD_PAYABLE, Account.TREASURY, 1)


def test_an_empty_journal_shows_nothing() -> None:
    assert journal.balances([]) == Balances(0, 0, 0, 0, 0)


def test_each_figure_comes_from_its_own_account() -> None:
    postings = [
        *journal.approval(1_000),
        *journal.adjustment(200),
        *journal.tranche(300),
        *journal.central_allocation(50),
    ]
    assert journal.balances(rows(postings)) == Balances(
        awarded_fen=1_200, paid_fen=300, outstanding_fen=900, net_fen=0, central_fen=50
    )


def test_a_negative_true_up_and_a_reversal_lower_the_figures() -> None:
    postings = [
        *journal.approval(1_000),
        *journal.adjustment(-100),
        *journal.tranche(400),
        *journal.tranche(100),
        *journal.tranche_reversal(100),
    ]
    assert journal.balances(rows(postings)) == Balances(
        awarded_fen=900, paid_fen=400, outstanding_fen=500, net_fen=0, central_fen=0
    )


def test_rows_naming_accounts_this_version_does_not_know_still_balance() -> None:
    # each unknown account appears first on the credit side once and on the debit side once
    balances = journal.balances([("award_expense", "legacy_a", 10), ("legacy_b", "treasury", 25)])
    assert balances == Balances(awarded_fen=10, paid_fen=25, outstanding_fen=0, net_fen=0, central_fen=0)

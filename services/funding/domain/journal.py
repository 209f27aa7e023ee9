"""The money journal as pure rules: every movement is one amount debited to one account and
credited to another, so the journal always balances and every figure is derived from it.

Accounts, per project (balances are debits minus credits):

- `award_expense`  the city's award to the project (debit-normal): what is awarded so far;
- `award_payable`  what the paying department owes the district (credit-normal): outstanding;
- `treasury`       the paying department's funds (credit-normal here): what has been paid out;
- `central_subsidy` central funds allocated to the project (debit-normal; Kaifeng 三, 七(三));
- `central_fund`   the central-fund account Finance allocates from (credit-normal);
- `property_subsidy_expense` the property-service subsidy a district scheduled (debit-normal,
  Zhengzhou 2019 五(三));
- `property_subsidy_payable` what the district still owes under that schedule (credit-normal);
- `district_treasury` the paying district's funds (credit-normal here): what it has paid out.

| movement              | debit          | credit         |
|-----------------------|----------------|----------------|
| award approved        | award_expense  | award_payable  |
| true-up, positive     | award_expense  | award_payable  |
| true-up, negative     | award_payable  | award_expense  |
| tranche paid          | award_payable  | treasury       |
| tranche reversed      | treasury       | award_payable  |
| central funds allocated | central_subsidy | central_fund |
| property subsidy scheduled | property_subsidy_expense | property_subsidy_payable |
| property subsidy paid | property_subsidy_payable | district_treasury |

The schedule's months and payments are the sub-ledger: the reconciliation checks that the journal's
property-subsidy figures equal the schedule's total and the sum of its payments.

A correction is a reversing posting, never an edit: the journal table refuses UPDATE and DELETE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Account(StrEnum):
    AWARD_EXPENSE = "award_expense"
    AWARD_PAYABLE = "award_payable"
    TREASURY = "treasury"
    CENTRAL_SUBSIDY = "central_subsidy"
    CENTRAL_FUND = "central_fund"
    PROPERTY_SUBSIDY_EXPENSE = "property_subsidy_expense"
    PROPERTY_SUBSIDY_PAYABLE = "property_subsidy_payable"
    DISTRICT_TREASURY = "district_treasury"


class Movement(StrEnum):
    AWARD_APPROVED = "award_approved"
    AWARD_ADJUSTED = "award_adjusted"
    TRANCHE_PAID = "tranche_paid"
    TRANCHE_REVERSED = "tranche_reversed"
    CENTRAL_ALLOCATED = "central_allocated"
    PROPERTY_SUBSIDY_SCHEDULED = "property_subsidy_scheduled"
    PROPERTY_SUBSIDY_PAID = "property_subsidy_paid"


@dataclass(frozen=True)
class Posting:
    """One movement: `amount_fen` (> 0) debited to `debit` and credited to `credit`."""

    movement: Movement
    debit: Account
    credit: Account
    amount_fen: int

    def __post_init__(self) -> None:
        if isinstance(self.amount_fen, bool) or not isinstance(self.amount_fen, int) or self.amount_fen <= 0:
            raise ValueError(f"a posting moves a positive integer amount of fen, not {self.amount_fen!r}")
        if self.debit is self.credit:
            raise ValueError("a posting debits one account and credits another")


def approval(amount_fen: int) -> list[Posting]:
    """The approved award becomes owed to the district (nothing to post for a zero award)."""
    if amount_fen == 0:
        return []
    return [Posting(Movement.AWARD_APPROVED, Account.AWARD_EXPENSE, Account.AWARD_PAYABLE, amount_fen)]


def adjustment(adjustment_fen: int) -> list[Posting]:
    """A signed true-up: more owed when positive, less when negative, nothing when zero."""
    if adjustment_fen > 0:
        return [
            Posting(Movement.AWARD_ADJUSTED, Account.AWARD_EXPENSE, Account.AWARD_PAYABLE, adjustment_fen)
        ]
    if adjustment_fen < 0:
        return [
            Posting(Movement.AWARD_ADJUSTED, Account.AWARD_PAYABLE, Account.AWARD_EXPENSE, -adjustment_fen)
        ]
    return []


def tranche(amount_fen: int) -> list[Posting]:
    """A tranche paid out of the treasury settles part of what is owed."""
    return [Posting(Movement.TRANCHE_PAID, Account.AWARD_PAYABLE, Account.TREASURY, amount_fen)]


def tranche_reversal(amount_fen: int) -> list[Posting]:
    """A tranche paid in error comes back: the reverse of `tranche`."""
    return [Posting(Movement.TRANCHE_REVERSED, Account.TREASURY, Account.AWARD_PAYABLE, amount_fen)]


def central_allocation(amount_fen: int) -> list[Posting]:
    """Central funds Finance approved for the project (nothing to post for a zero share)."""
    if amount_fen == 0:
        return []
    return [Posting(Movement.CENTRAL_ALLOCATED, Account.CENTRAL_SUBSIDY, Account.CENTRAL_FUND, amount_fen)]


def property_subsidy_scheduled(total_fen: int) -> list[Posting]:
    """The district's property-subsidy schedule becomes owed (nothing to post for a zero total)."""
    if total_fen == 0:
        return []
    return [
        Posting(
            Movement.PROPERTY_SUBSIDY_SCHEDULED,
            Account.PROPERTY_SUBSIDY_EXPENSE,
            Account.PROPERTY_SUBSIDY_PAYABLE,
            total_fen,
        )
    ]


def property_subsidy_paid(amount_fen: int) -> list[Posting]:
    """A monthly payment out of the district's funds settles part of what the schedule owes."""
    return [
        Posting(
            Movement.PROPERTY_SUBSIDY_PAID,
            Account.PROPERTY_SUBSIDY_PAYABLE,
            Account.DISTRICT_TREASURY,
            amount_fen,
        )
    ]


@dataclass(frozen=True)
class Balances:
    """A project's figures, derived from its journal only."""

    awarded_fen: int
    paid_fen: int
    outstanding_fen: int
    net_fen: int  # debits minus credits over all accounts: 0 in a journal that balances
    central_fen: int = 0  # central funds allocated to the project
    property_subsidy_scheduled_fen: int = 0  # the property-service subsidy scheduled
    property_subsidy_paid_fen: int = 0  # what the district has paid of it


def balances(postings: Iterable[tuple[str, str, int]]) -> Balances:
    """Derive the figures from (debit account, credit account, amount) rows."""
    by_account: dict[str, int] = {account.value: 0 for account in Account}
    for debit, credit, amount in postings:
        by_account[debit] = by_account.get(debit, 0) + amount
        by_account[credit] = by_account.get(credit, 0) - amount
    return Balances(
        awarded_fen=by_account[Account.AWARD_EXPENSE],
        paid_fen=-by_account[Account.TREASURY],
        outstanding_fen=-by_account[Account.AWARD_PAYABLE],
        net_fen=sum(by_account.values()),
        central_fen=by_account[Account.CENTRAL_SUBSIDY],
        property_subsidy_scheduled_fen=by_account[Account.PROPERTY_SUBSIDY_EXPENSE],
        property_subsidy_paid_fen=-by_account[Account.DISTRICT_TREASURY],
    )

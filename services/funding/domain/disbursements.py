"""Tranche rules: what may be paid against an award, and when.

Zhengzhou 2019 五(一) has 市级财政 award the districts; issue 9 asks that what is paid never exceed
what is awarded (approved + adjustments). The cap is checked against balances derived from the
journal while the award row is locked, so concurrent tranches cannot overshoot it together.
"""

from __future__ import annotations

from datetime import date, datetime

from services.funding.domain.awards import AwardStatus
from shared.clock import shanghai_date
from shared.errors import FieldProblem, InvalidState, RuleViolation


def check_tranche(
    *,
    status: str,
    amount_fen: int,
    outstanding_fen: int,
    paid_on: date,
    approved_at: datetime | None,
    now: datetime,
) -> None:
    """Refuse a tranche on an unapproved award, above what is outstanding, or on an impossible date.

    Raises:
        InvalidState: the award is not approved yet.
        RuleViolation: the amount exceeds the outstanding award, or the date is in the future
            (Asia/Shanghai) or before the approval.
    """
    if status != AwardStatus.APPROVED:
        raise InvalidState(
            "a tranche can only be paid against an approved award",
            current=status,
            allowed=["approve"],
            errors=[FieldProblem("status", "must_be_approved", f"current status: {status}")],
        )
    problems = []
    if amount_fen > outstanding_fen:
        problems.append(
            FieldProblem(
                "amount_fen",
                "exceeds_outstanding",
                f"at most {max(outstanding_fen, 0)} fen is outstanding on this award",
            )
        )
    today = shanghai_date(now)
    if paid_on > today:
        problems.append(FieldProblem("paid_on", "not_in_future", f"on or before {today.isoformat()}"))
    if approved_at is not None and paid_on < shanghai_date(approved_at):
        approved_on = shanghai_date(approved_at).isoformat()
        problems.append(FieldProblem("paid_on", "not_before_approval", f"on or after {approved_on}"))
    if problems:
        raise RuleViolation("the tranche is refused", problems)


def check_reversal(
    *, already_reversed: bool, is_reversal: bool, reversed_on: date, paid_on: date, now: datetime
) -> None:
    """A payment is reversed once, by a later (or same-day) entry, never a reversal itself."""
    if is_reversal:
        raise RuleViolation(
            "a reversal cannot itself be reversed",
            [FieldProblem("tranche_id", "not_a_payment", "reverse the payment, not its reversal")],
        )
    if already_reversed:
        raise InvalidState("this tranche is already reversed", current="reversed", allowed=[])
    problems = []
    today = shanghai_date(now)
    if reversed_on > today:
        problems.append(FieldProblem("reversed_on", "not_in_future", f"on or before {today.isoformat()}"))
    if reversed_on < paid_on:
        problems.append(
            FieldProblem("reversed_on", "not_before_payment", f"on or after {paid_on.isoformat()}")
        )
    if problems:
        raise RuleViolation("the reversal is refused", problems)

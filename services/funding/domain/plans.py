"""Investment plans as funding keeps them: versions by renovation item, and who funds each item.

谁受益、谁出资 made visible per item: where the programme has utility companies do and pay for
their own lines and meter boxes (Zhengzhou 2019 五(二), Kaifeng 七(三)), an item the catalogue
assigns to utilities is funded by them; every other item by the programme's primary payer (the
district in Zhengzhou 2019 五(一)), or left open where the plan names none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, UnknownItemError, responsible_utilities
from shared.types import MONEY_CEILING_FEN


class PlanState(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"


@dataclass(frozen=True)
class FundedBy:
    """Who funds an item (party or utility codes) and the clause that says so ("" when open)."""

    funders: tuple[str, ...]
    clause: str


def funded_by(profile: ProgrammeProfile | None, item_code: str) -> FundedBy:
    """Who funds `item_code` under the programme's profile."""
    if profile is None or profile.funding is None:
        return FundedBy((), "")
    works = profile.funding.utility_works
    if works is not None and works.self_funded:
        try:
            utilities = responsible_utilities(profile, item_code)
        except UnknownItemError:
            utilities = ()
        if utilities:
            return FundedBy(tuple(utilities), works.clause)
    co_funding = profile.funding.co_funding
    if co_funding is not None and co_funding.primary_payer is not None:
        return FundedBy((co_funding.primary_payer.value,), co_funding.clause)
    return FundedBy((), "")


def check_plan(items: Sequence[tuple[str, int]], investment_fen: int) -> None:
    """A plan's items are bounded integer fen and add up to its stated investment."""
    problems = []
    if not 0 <= investment_fen <= MONEY_CEILING_FEN:
        problems.append(FieldProblem("investment_fen", "money_bounds", f"0..{MONEY_CEILING_FEN} fen"))
    for index, (_, amount) in enumerate(items):
        if not 0 <= amount <= MONEY_CEILING_FEN:
            problems.append(
                FieldProblem(f"items.{index}.investment_fen", "money_bounds", "within the ceiling")
            )
    total = sum(amount for _, amount in items)
    if total != investment_fen:
        problems.append(
            FieldProblem("items", "sum_equals_investment", f"items add up to {total}, not {investment_fen}")
        )
    if problems:
        raise RuleViolation("the investment plan does not add up", problems)

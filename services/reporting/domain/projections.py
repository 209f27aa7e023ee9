"""What each event adds to a district's figures on the day it took effect.

Projections store daily deltas, so a rollup "as of" any day is the sum of the deltas up to it.
The day is the business date the event carries (a project's acceptance date), else the day in
Asia/Shanghai of the producer's event time: the day the fact became true, not the day reporting
happened to consume it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from shared.clock import shanghai_date
from shared.errors import FieldProblem, RuleViolation
from shared.types import MONEY_CEILING_FEN

__all__ = [
    "FIGURES",
    "LEDGER_FIGURES",
    "MONEY_FIGURES",
    "SIGNED_FIGURES",
    "STREET_FIGURES",
    "Delta",
    "area_dm2",
    "effective_day",
    "figure_delta",
    "ledger_amounts",
]

LEDGER_FIGURES = (
    "ledger_communities",
    "eligible_communities",
    "eligible_households",
    "eligible_floor_area_dm2",
)
"""The ledger's (台账) figures from the registry's community events: communities surveyed, those
eligible, and the households and floor area (dm²) of the eligible ones (Kaifeng 六(一))."""

FIGURES = (
    "registered_projects",
    "registered_investment_fen",
    "reviews_passed",
    "tendered_projects",
    "started_projects",
    "completed_projects",
    "acceptance_failures",
    "rectifications_completed",
    "accepted_projects",
    "accepted_investment_fen",
    "taken_over_projects",
    "closed_projects",
    "approved_awards",
    "approved_award_fen",
    "award_adjustment_fen",
    "paid_fen",
    "weekly_reports_overdue",
    "lagging_in_bulletins",
    "taken_over_floor_area_dm2",
    "patrols_recorded",
    "patrol_hazards",
    "deadlines_missed",
    "benefited_households",
    "benefited_floor_area_dm2",
    *LEDGER_FIGURES,
)
"""Every figure a district's daily row carries (counts, money sums in fen, areas in dm² = 0.01 m²)."""

MONEY_FIGURES = frozenset(name for name in FIGURES if name.endswith("_fen"))
SIGNED_FIGURES = frozenset(
    {
        "registered_investment_fen",
        "award_adjustment_fen",
        "paid_fen",
        "eligible_communities",
        "eligible_households",
        "eligible_floor_area_dm2",
    }
)
"""Figures an event may lower: an approved plan below the investment registered (PlanApproved), a
true-up on audit (SubsidyAdjusted), a reversed tranche, a community found ineligible on
reassessment (CommunityReassessed)."""


@dataclass(frozen=True)
class Delta:
    """Amounts to add to one (programme, district, day) row."""

    programme_code: str
    district_code: str
    day: date
    amounts: Mapping[str, int] = field(default_factory=dict)


def effective_day(event_time: datetime, business_date: date | None = None) -> date:
    """The day a fact counts from: its business date if it has one, else its event time's day.

    Args:
        event_time: the producer's event time (timezone-aware).
        business_date: the date the event itself states (e.g. `accepted_on`), if any.
    """
    return business_date if business_date is not None else shanghai_date(event_time)


def figure_delta(programme_code: str, district_code: str, day: date, amounts: Mapping[str, int]) -> Delta:
    """A checked delta: known figures only, money within the platform's ceiling.

    Raises:
        RuleViolation: an unknown figure, a negative amount, or money above `MONEY_CEILING_FEN`
            (the event is then dead-lettered with this reason instead of corrupting a sum).
    """
    problems: list[FieldProblem] = []
    for name, amount in amounts.items():
        if name not in FIGURES:
            problems.append(FieldProblem(name, "unknown_figure", f"{name} is not a reporting figure"))
        elif amount < 0 and name not in SIGNED_FIGURES:
            problems.append(FieldProblem(name, "non_negative", f"{name} must not be negative"))
        elif name in MONEY_FIGURES and abs(amount) > MONEY_CEILING_FEN:
            problems.append(
                FieldProblem(name, "money_ceiling", f"{name} exceeds the ceiling of {MONEY_CEILING_FEN} fen")
            )
    if problems:
        raise RuleViolation("the event's figures cannot be counted", problems)
    return Delta(programme_code, district_code, day, dict(amounts))


STREET_FIGURES = (
    *LEDGER_FIGURES,
    "registered_projects",
    "started_projects",
    "completed_projects",
    "accepted_projects",
    "closed_projects",
)
"""What a street office's (街道办事处) daily row carries: the ledger and the projects by step."""


def area_dm2(floor_area_m2: Decimal) -> int:
    """Square metres as whole dm² (0.01 m²), rounded half up: exact integers sum without drift.

    Args:
        floor_area_m2: an area as the registry states it.

    Returns:
        The area in dm².
    """
    return int((floor_area_m2 * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ledger_amounts(
    *, entered: bool, eligible_change: int, households: int, floor_area_m2: Decimal
) -> dict[str, int]:
    """What a community event adds to the ledger figures.

    Args:
        entered: the community entered the ledger (CommunityRegistered), counted once.
        eligible_change: +1 it became (or entered as) eligible, −1 it stopped being eligible, 0 neither.
        households: the community's households.
        floor_area_m2: its floor area.

    Returns:
        Figure → amount (zeros left out).
    """
    amounts: dict[str, int] = {}
    if entered:
        amounts["ledger_communities"] = 1
    if eligible_change:
        amounts["eligible_communities"] = eligible_change
        amounts["eligible_households"] = eligible_change * households
        amounts["eligible_floor_area_dm2"] = eligible_change * area_dm2(floor_area_m2)
    return amounts

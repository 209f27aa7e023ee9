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

from shared.clock import shanghai_date
from shared.errors import FieldProblem, RuleViolation
from shared.types import MONEY_CEILING_FEN

__all__ = ["FIGURES", "MONEY_FIGURES", "SIGNED_FIGURES", "Delta", "effective_day", "figure_delta"]

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
)
"""Every figure a district's daily row carries (counts, money sums in fen, areas in dm² = 0.01 m²)."""

MONEY_FIGURES = frozenset(name for name in FIGURES if name.endswith("_fen"))
SIGNED_FIGURES = frozenset({"award_adjustment_fen", "paid_fen"})
"""Figures an event may lower: a true-up on audit (SubsidyAdjusted), a reversed tranche."""


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

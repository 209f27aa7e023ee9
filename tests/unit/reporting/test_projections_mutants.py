"""A checked delta: zero is counted, every bad figure is named at once, and the row it belongs to."""

from __future__ import annotations

from datetime import date

import pytest

from services.reporting.domain.projections import Delta, figure_delta
from shared.errors import RuleViolation
from shared.types import MONEY_CEILING_FEN

DAY = date(2026, 11, 20)


def test_a_delta_names_its_programme_district_and_day() -> None:
    delta = figure_delta("zhengzhou-2019", "zz-jinshui", DAY, {"accepted_projects": 1, "paid_fen": 5})
    assert delta == Delta("zhengzhou-2019", "zz-jinshui", DAY, {"accepted_projects": 1, "paid_fen": 5})


def test_a_zero_amount_is_counted() -> None:
    amounts = {"accepted_projects": 0, "registered_investment_fen": 0}
    assert figure_delta("zhengzhou-2019", "zz-jinshui", DAY, amounts).amounts == amounts


def test_every_problem_is_named_with_its_figure_and_reason() -> None:
    with pytest.raises(RuleViolation) as refused:
        figure_delta(
            "zhengzhou-2019",
            "zz-jinshui",
            DAY,
            {
                "households_fen": 1,
                "accepted_projects": -1,
                "paid_fen": MONEY_CEILING_FEN + 1,
                "started_projects": 2,
            },
        )
    assert refused.value.detail == "the event's figures cannot be counted"
    assert [(p.field, p.rule, p.message) for p in refused.value.errors] == [
        ("households_fen", "unknown_figure", "households_fen is not a reporting figure"),
        ("accepted_projects", "non_negative", "accepted_projects must not be negative"),
        ("paid_fen", "money_ceiling", f"paid_fen exceeds the ceiling of {MONEY_CEILING_FEN} fen"),
    ]

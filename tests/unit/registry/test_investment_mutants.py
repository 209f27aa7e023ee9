"""An accepted or audited investment above twice the plan (a platform guard against a typo) needs
confirming; amounts in fen."""

from __future__ import annotations

import pytest

from services.registry.domain.investment import check_over_plan
from shared.errors import RuleViolation


@pytest.mark.parametrize("stated", [0, 1_000_000_00, 2_000_000_00])
def test_up_to_exactly_twice_the_plan_passes_unconfirmed(stated: int) -> None:
    check_over_plan("accepted_investment_fen", stated, 1_000_000_00, confirmed=False)


def test_one_fen_over_twice_the_plan_is_refused_naming_the_field() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_over_plan("audited_investment_fen", 2_000_000_01, 1_000_000_00, confirmed=False)
    assert caught.value.detail == (
        "audited_investment_fen 200000001 fen is more than 2× the planned 100000000 fen"
    )
    assert [(p.field, p.rule, p.message) for p in caught.value.errors] == [
        (
            "audited_investment_fen",
            "over_plan_needs_confirmation",
            "check the figure, or send confirm_over_plan: true (limit 2× the plan)",
        )
    ]


def test_a_confirmed_figure_passes_however_far_over() -> None:
    check_over_plan("accepted_investment_fen", 10_000_000_00, 1_000_000_00, confirmed=True)


def test_against_a_zero_plan_any_investment_needs_confirming() -> None:
    check_over_plan("accepted_investment_fen", 0, 0, confirmed=False)
    with pytest.raises(RuleViolation):
        check_over_plan("accepted_investment_fen", 1, 0, confirmed=False)

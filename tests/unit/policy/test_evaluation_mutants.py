"""The monthly evaluation score (Kaifeng 七(七) 月考评; the Zhengzhou plans' 定期考核), by hand.

Weights in every profile that has one: progress 0.40, timeliness 0.20, first-pass acceptance 0.15,
rectification 0.10, payout 0.15, full marks 100; a component not yet measurable is left out and the
other weights scaled up; the score is rounded half-up to 0.01.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shared.policy import RuleAbsentError, evaluation_score, get_profile, monthly_evaluation

KAIFENG = get_profile("kaifeng-2019")


def _components(**given: Decimal | None) -> dict[str, Decimal | None]:
    names = ("progress", "timeliness", "first_pass_acceptance", "rectification", "payout")
    return {name: given.get(name, Decimal(1)) for name in names}


def test_zhongyuan_sets_no_monthly_evaluation() -> None:
    with pytest.raises(RuleAbsentError, match="^zhongyuan-2013: the plan sets no monthly evaluation$"):
        monthly_evaluation(get_profile("zhongyuan-2013"))


def test_a_component_left_out_does_not_stop_the_later_ones_counting() -> None:
    """Progress not measurable, timeliness 0, the rest 1: (0.15 + 0.10 + 0.15) / 0.60 × 100 = 66.666… → 66.67."""
    score = evaluation_score(KAIFENG, _components(progress=None, timeliness=Decimal(0)))
    assert score == Decimal("66.67")


def test_the_score_is_rounded_half_up() -> None:
    """Only progress measurable, at 0.12345: 12.345 marks → 12.35 (half-even would give 12.34)."""
    given = {name: None for name in _components()} | {"progress": Decimal("0.12345")}
    assert evaluation_score(KAIFENG, given) == Decimal("12.35")


def test_components_not_exactly_the_five_are_refused_naming_both_sets() -> None:
    with pytest.raises(ValueError) as caught:
        evaluation_score(KAIFENG, {"progress": Decimal(1), "speed": Decimal(1)})
    assert str(caught.value) == (
        "components must be exactly ('progress', 'timeliness', 'first_pass_acceptance', 'rectification', "
        "'payout'), got ['progress', 'speed']"
    )


@pytest.mark.parametrize("value", [Decimal("1.5"), Decimal("-0.01"), 0.5, 1])
def test_a_component_outside_0_to_1_or_not_a_decimal_is_named(value: Any) -> None:
    with pytest.raises(ValueError) as caught:
        evaluation_score(KAIFENG, _components(payout=value))
    assert str(caught.value) == f"payout: a component is a Decimal share from 0 to 1, got {value!r}"

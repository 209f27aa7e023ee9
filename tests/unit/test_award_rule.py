"""The award subsidy (奖补): the programme's ratio of the audited investment, half-up to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.funding.domain import AwardDecision, decide_award

FORTY_PERCENT = Decimal("0.40")


def test_award_is_40_percent_of_audited_investment() -> None:
    assert decide_award(250_000_000, FORTY_PERCENT) == AwardDecision(
        basis_fen=250_000_000, ratio=Decimal("0.40"), amount_fen=100_000_000
    )


def test_award_keeps_its_basis_and_ratio_for_the_record() -> None:
    decision = decide_award(123_456_789, FORTY_PERCENT)
    assert decision.basis_fen == 123_456_789
    assert decision.ratio == Decimal("0.40")


@pytest.mark.parametrize(
    ("investment_fen", "award_fen"),
    [
        (123_456_789, 49_382_716),  # 49 382 715.6 rounds up
        (1_000_001, 400_000),  # 400 000.4 rounds down
        (1_000_003, 400_001),  # 400 001.2 rounds down
        (2, 1),  # 0.8 rounds up
        (1, 0),  # 0.4 rounds down
        (0, 0),
    ],
)
def test_award_is_rounded_to_the_nearest_fen(investment_fen: int, award_fen: int) -> None:
    assert decide_award(investment_fen, FORTY_PERCENT).amount_fen == award_fen


def test_half_a_fen_rounds_up_not_to_even() -> None:
    # 10 fen × 0.45 = 4.5 fen; banker's rounding would pay 4
    assert decide_award(10, Decimal("0.45")).amount_fen == 5


def test_a_negative_investment_is_refused() -> None:
    with pytest.raises(ValueError):
        decide_award(-100, FORTY_PERCENT)

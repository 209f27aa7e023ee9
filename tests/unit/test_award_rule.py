"""The award subsidy (奖补): the programme's ratio of the figure its profile names, half-up to the fen.

Zhengzhou 2019 五(一): 40% of the investment; this platform reads the basis as the investment stated
at acceptance, trued up on the audit (issue 16 item 1). The fixtures use a planned, an accepted
and an audited figure that all differ, so a rule computing on the wrong one cannot pass (issue 14).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.funding.domain.awards import (
    AwaitAudit,
    AwardTerms,
    Figures,
    terms_at_acceptance,
    terms_on_audit,
)
from shared.errors import RuleViolation
from shared.policy import AwardBasis, get_profile
from tests.unit.funding.profiles import paying_on, ratio

ZHENGZHOU = get_profile("zhengzhou-2019")
PLANNED, ACCEPTED, AUDITED = 300_000_000, 250_000_000, 240_000_000


def test_award_is_40_percent_of_the_investment_stated_at_acceptance() -> None:
    figures = Figures(planned_fen=PLANNED, accepted_fen=ACCEPTED)
    assert terms_at_acceptance(ZHENGZHOU, figures) == AwardTerms(
        basis=AwardBasis.ACCEPTED_INVESTMENT, basis_fen=250_000_000, amount_fen=100_000_000
    )


def test_an_audited_figure_already_known_at_acceptance_wins() -> None:
    figures = Figures(planned_fen=PLANNED, accepted_fen=ACCEPTED, audited_fen=AUDITED)
    assert terms_at_acceptance(ZHENGZHOU, figures) == AwardTerms(
        basis=AwardBasis.AUDITED_INVESTMENT, basis_fen=AUDITED, amount_fen=96_000_000
    )


def test_without_an_accepted_figure_the_planned_one_stands_in() -> None:
    terms = terms_at_acceptance(ZHENGZHOU, Figures(planned_fen=PLANNED))
    assert (terms.basis, terms.basis_fen, terms.amount_fen) == (  # type: ignore[union-attr]
        AwardBasis.ACCEPTED_INVESTMENT,
        PLANNED,
        120_000_000,
    )


def test_a_profile_paying_on_the_approved_plan_ignores_the_accepted_figure() -> None:
    profile = paying_on(AwardBasis.APPROVED_INVESTMENT, true_up=False)
    figures = Figures(planned_fen=PLANNED, accepted_fen=ACCEPTED, audited_fen=AUDITED)
    assert terms_at_acceptance(profile, figures) == AwardTerms(
        AwardBasis.APPROVED_INVESTMENT, PLANNED, 120_000_000
    )


def test_a_profile_paying_on_the_audit_waits_for_it() -> None:
    profile = paying_on(AwardBasis.AUDITED_INVESTMENT, true_up=False)
    assert isinstance(terms_at_acceptance(profile, Figures(PLANNED, ACCEPTED)), AwaitAudit)


def test_award_keeps_its_basis_and_ratio_for_the_record() -> None:
    terms = terms_at_acceptance(ZHENGZHOU, Figures(planned_fen=999, accepted_fen=123_456_789))
    assert terms.basis_fen == 123_456_789  # type: ignore[union-attr]
    assert ZHENGZHOU.funding.award.ratio == Decimal("0.40")  # type: ignore[union-attr]


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
    assert terms_on_audit(ZHENGZHOU, investment_fen).amount_fen == award_fen


def test_half_a_fen_rounds_up_not_to_even() -> None:
    # 10 fen × 0.45 = 4.5 fen; banker's rounding would pay 4
    assert terms_on_audit(ratio("0.45"), 10).amount_fen == 5


def test_a_test_profile_with_another_ratio_changes_the_award() -> None:
    assert terms_on_audit(ratio("0.25"), 1_000_000).amount_fen == 250_000


def test_a_negative_investment_is_refused() -> None:
    with pytest.raises(RuleViolation):
        terms_on_audit(ZHENGZHOU, -100)


@pytest.mark.parametrize("figure", [10**13 + 1, 2**63, True, 100.0])
def test_an_investment_beyond_the_money_ceiling_or_not_integer_fen_is_refused(figure: object) -> None:
    with pytest.raises(RuleViolation):
        terms_on_audit(ZHENGZHOU, figure)  # type: ignore[arg-type]


def test_the_award_at_the_money_ceiling_is_exact() -> None:
    assert terms_on_audit(ZHENGZHOU, 10**13).amount_fen == 4 * 10**12

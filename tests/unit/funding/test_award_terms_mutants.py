"""The city award's terms (Zhengzhou 2019 五(一): 市级财政 awards 40% of the 整治投资金额; the profile
reads it as the accepted investment, trued up on audit): which figure it is computed on, when it
waits for the audit, the money bounds of that figure, who pays, and why a project gets none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.funding.domain.awards import (
    AwaitAudit,
    AwardTerms,
    Figures,
    NoAward,
    NoAwardReason,
    audit_changes_award,
    may_pay,
    no_award,
    ratio_of,
    terms_at_acceptance,
    terms_on_audit,
    true_up_fen,
)
from shared.access import OrganisationKind, Principal
from shared.errors import FieldProblem, RuleViolation
from shared.policy import AwardBasis, get_profile
from shared.types import MONEY_CEILING_FEN
from tests.unit.funding.profiles import paying_on, ratio, with_award

ZHENGZHOU = get_profile("zhengzhou-2019")  # 40% of the accepted investment, trued up on audit
APPROVED, ACCEPTED, AUDITED = (
    AwardBasis.APPROVED_INVESTMENT,
    AwardBasis.ACCEPTED_INVESTMENT,
    AwardBasis.AUDITED_INVESTMENT,
)


def department(code: str, kind: OrganisationKind = OrganisationKind.DEPARTMENT) -> Principal:
    return Principal(subject=f"{code}-clerk", org_code=code, org_kind=kind)


# why none ------------------------------------------------------------------------------------------


def test_an_unknown_programme_is_named() -> None:
    assert no_award(None, "atlantis-2030", "zz-jinshui") == NoAward(
        NoAwardReason.UNKNOWN_PROGRAMME, "no programme profile 'atlantis-2030'"
    )


def test_a_plan_without_an_award_ratio_says_so() -> None:
    assert no_award(get_profile("zhengzhou-2018"), "zhengzhou-2018", "zz-jinshui") == NoAward(
        NoAwardReason.NO_AWARD_RULE, "zhengzhou-2018: the plan sets no city award ratio"
    )
    no_funding = ZHENGZHOU.model_copy(update={"funding": None})
    assert no_award(no_funding, "zhengzhou-2019", "zz-jinshui") == NoAward(
        NoAwardReason.NO_AWARD_RULE, "zhengzhou-2019: the plan sets no city award ratio"
    )


def test_a_self_funded_county_city_and_a_district_outside_the_plan_are_told_apart() -> None:
    assert no_award(ZHENGZHOU, "zhengzhou-2019", "zz-gongyi") == NoAward(
        NoAwardReason.NOT_IN_AWARD_AREA, "zz-gongyi is self-funded under the plan (zhengzhou-2019 五(一))"
    )
    assert no_award(ZHENGZHOU, "zhengzhou-2019", "kf-gulou") == NoAward(
        NoAwardReason.NOT_IN_AWARD_AREA, "kf-gulou is not in the plan's jurisdiction (zhengzhou-2019 五(一))"
    )


# which figure ----------------------------------------------------------------------------------------


def test_at_acceptance_zhengzhou_pays_40_percent_of_the_stated_investment() -> None:
    terms = terms_at_acceptance(ZHENGZHOU, Figures(planned_fen=900_000, accepted_fen=1_000_000))
    assert terms == AwardTerms(ACCEPTED, 1_000_000, 400_000)


def test_without_a_stated_investment_the_planned_one_is_used_as_the_accepted_figure() -> None:
    terms = terms_at_acceptance(ZHENGZHOU, Figures(planned_fen=900_000))
    assert terms == AwardTerms(ACCEPTED, 900_000, 360_000)


def test_an_audit_already_known_wins_where_the_award_is_trued_up() -> None:
    figures = Figures(planned_fen=900_000, accepted_fen=1_000_000, audited_fen=1_200_000)
    assert terms_at_acceptance(ZHENGZHOU, figures) == AwardTerms(AUDITED, 1_200_000, 480_000)
    on_plan = paying_on(APPROVED, true_up=True)
    assert terms_at_acceptance(on_plan, figures) == AwardTerms(AUDITED, 1_200_000, 480_000)


def test_an_audit_is_ignored_where_the_profile_neither_pays_on_it_nor_trues_up() -> None:
    figures = Figures(planned_fen=900_000, accepted_fen=1_000_000, audited_fen=1_200_000)
    assert terms_at_acceptance(paying_on(ACCEPTED, true_up=False), figures) == AwardTerms(
        ACCEPTED, 1_000_000, 400_000
    )
    assert terms_at_acceptance(paying_on(APPROVED, true_up=False), figures) == AwardTerms(
        APPROVED, 900_000, 360_000
    )


def test_a_plan_paying_on_the_approved_investment_ignores_the_stated_one() -> None:
    figures = Figures(planned_fen=900_000, accepted_fen=1_000_000)
    assert terms_at_acceptance(paying_on(APPROVED, true_up=True), figures) == AwardTerms(
        APPROVED, 900_000, 360_000
    )


def test_a_plan_paying_on_the_audit_waits_for_it_then_pays_on_it() -> None:
    profile = paying_on(AUDITED, true_up=False)
    waiting = terms_at_acceptance(profile, Figures(planned_fen=900_000, accepted_fen=1_000_000))
    assert waiting == AwaitAudit(
        "zhengzhou-2019 pays on the audited investment; the award waits for the audit"
    )
    audited = Figures(planned_fen=900_000, accepted_fen=1_000_000, audited_fen=1_100_000)
    assert terms_at_acceptance(profile, audited) == AwardTerms(AUDITED, 1_100_000, 440_000)


def test_the_award_on_audit_is_computed_on_the_audited_figure() -> None:
    assert terms_on_audit(ZHENGZHOU, 2_500_000) == AwardTerms(AUDITED, 2_500_000, 1_000_000)
    assert terms_on_audit(ratio("0.25"), 2_500_000) == AwardTerms(AUDITED, 2_500_000, 625_000)


def test_the_true_up_is_signed_and_zero_when_the_audit_agrees() -> None:
    assert true_up_fen(ZHENGZHOU, 400_000, 1_000_000) == 0
    assert true_up_fen(ZHENGZHOU, 400_000, 1_000_001) == 0  # 400 000.4 rounds down
    assert true_up_fen(ZHENGZHOU, 400_000, 1_000_003) == 1  # 400 001.2
    assert true_up_fen(ZHENGZHOU, 400_000, 900_000) == -40_000


def test_no_award_is_computed_on_an_audit_the_profile_neither_pays_on_nor_trues_up() -> None:
    with pytest.raises(ValueError, match="computed on accepted_investment, not audited_investment"):
        terms_on_audit(paying_on(ACCEPTED, true_up=False), 1_000_000)
    with pytest.raises(ValueError, match="computed on approved_investment, not audited_investment"):
        true_up_fen(paying_on(APPROVED, true_up=False), 400_000, 1_000_000)


# the money bounds of the figure ------------------------------------------------------------------------------


def test_the_figure_may_be_anything_from_zero_to_the_money_ceiling() -> None:
    assert terms_on_audit(ZHENGZHOU, 0) == AwardTerms(AUDITED, 0, 0)
    assert terms_on_audit(ZHENGZHOU, MONEY_CEILING_FEN) == AwardTerms(
        AUDITED, MONEY_CEILING_FEN, MONEY_CEILING_FEN * 4 // 10
    )


@pytest.mark.parametrize("figure", [-1, MONEY_CEILING_FEN + 1, 1_000.0, True, Decimal(1_000), "1000"])
def test_a_figure_outside_integer_fen_bounds_is_refused_naming_the_basis_field(figure: object) -> None:
    with pytest.raises(RuleViolation) as refused:
        terms_on_audit(ZHENGZHOU, figure)  # type: ignore[arg-type]
    assert refused.value.errors == [
        FieldProblem("audited_investment_fen", "money_bounds", f"integer fen, 0..{MONEY_CEILING_FEN}")
    ]
    assert refused.value.detail == f"investment {figure!r} fen is not an amount the award can be computed on"


def test_a_refused_accepted_figure_names_the_accepted_field() -> None:
    with pytest.raises(RuleViolation) as refused:
        terms_at_acceptance(ZHENGZHOU, Figures(planned_fen=0, accepted_fen=-5))
    assert refused.value.errors[0].field == "accepted_investment_fen"


# audits, payer, ratio ----------------------------------------------------------------------------------


def test_an_audit_changes_the_award_only_where_the_profile_trues_up_or_pays_on_it() -> None:
    assert audit_changes_award(ZHENGZHOU)
    assert audit_changes_award(paying_on(APPROVED, true_up=True))
    assert audit_changes_award(paying_on(AUDITED, true_up=False))
    assert not audit_changes_award(paying_on(ACCEPTED, true_up=False))
    assert not audit_changes_award(paying_on(APPROVED, true_up=False))


def test_the_payer_is_the_department_the_profile_names() -> None:
    assert may_pay(department("finance"), ZHENGZHOU)
    assert not may_pay(department("housing"), ZHENGZHOU)
    assert not may_pay(department("finance", OrganisationKind.OFFICE), ZHENGZHOU)
    moved = with_award(payer_department="housing")
    assert may_pay(department("housing"), moved)
    assert not may_pay(department("finance"), moved)


def test_the_ratio_recorded_is_the_profiles() -> None:
    assert ratio_of(ZHENGZHOU) == Decimal("0.40")
    assert ratio_of(ratio("0.35")) == Decimal("0.35")

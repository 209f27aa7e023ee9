"""Who gets an award and who approves it come from the profile: self-funded areas and programmes
without an award get none (with the reason); the approver is the department the profile names."""

from __future__ import annotations

from services.funding.domain.awards import NoAwardReason, may_approve, may_pay, no_award, true_up_fen
from shared.access import OrganisationKind, Principal
from shared.policy import get_profile
from tests.unit.funding.profiles import with_award

ZHENGZHOU = get_profile("zhengzhou-2019")


def department(code: str) -> Principal:
    return Principal(subject=f"{code}-clerk", org_code=code, org_kind=OrganisationKind.DEPARTMENT)


def test_a_district_in_the_plan_may_earn_the_award() -> None:
    assert no_award(ZHENGZHOU, "zhengzhou-2019", "zz-jinshui") is None


def test_a_self_funded_area_earns_none_and_says_why() -> None:
    excluded = no_award(ZHENGZHOU, "zhengzhou-2019", "zz-gongyi")
    assert excluded is not None and excluded.reason is NoAwardReason.NOT_IN_AWARD_AREA
    assert "self-funded" in excluded.detail and "五(一)" in excluded.detail


def test_a_programme_without_an_award_rule_earns_none() -> None:
    excluded = no_award(get_profile("zhengzhou-2018"), "zhengzhou-2018", "zz-jinshui")
    assert excluded is not None and excluded.reason is NoAwardReason.NO_AWARD_RULE


def test_an_unknown_programme_earns_none() -> None:
    excluded = no_award(None, "atlantis-2030", "zz-jinshui")
    assert excluded is not None and excluded.reason is NoAwardReason.UNKNOWN_PROGRAMME


def test_the_profiles_approver_approves_and_no_one_else() -> None:
    assert may_approve(department("finance"), ZHENGZHOU)
    assert not may_approve(department("housing"), ZHENGZHOU)
    office = Principal(subject="x", org_code="finance", org_kind=OrganisationKind.OFFICE)
    assert not may_approve(office, ZHENGZHOU)


def test_a_profile_naming_another_approver_moves_the_right_without_code_edits() -> None:
    profile = with_award(approver_department="housing")
    assert may_approve(department("housing"), profile)
    assert not may_approve(department("finance"), profile)
    assert may_pay(department("finance"), profile)  # the payer did not change


def test_the_true_up_is_the_award_on_the_audit_minus_what_is_awarded() -> None:
    assert true_up_fen(ZHENGZHOU, 100_000_000, 240_000_000) == -4_000_000
    assert true_up_fen(ZHENGZHOU, 100_000_000, 262_500_001) == 5_000_000  # 105 000 000.4 → down

"""Joint acceptance (`services.registry.domain.acceptance`): Kaifeng 六(四) needs the owners'
committee (or representatives), contractor, supervisor, designer and surveyor; Zhongyuan 五(二)8
the street office and the community (round 1), then the district headquarters (round 2)."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.domain.acceptance import check_defect_roles, check_sign_offs, signing_roles
from shared.errors import FieldProblem, RuleViolation
from shared.policy import get_profile

KAIFENG = get_profile("kaifeng-2019")
ZHONGYUAN = get_profile("zhongyuan-2013")
ZHENGZHOU_2018 = get_profile("zhengzhou-2018")
DAY = date(2020, 9, 1)
KAIFENG_ROLES = ["owners-committee", "contractor", "supervisor", "designer", "surveyor"]


def refusal(call: object, *args: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def all_on(roles: list[str], day: date = DAY) -> list[tuple[str, date]]:
    return [(role, day) for role in roles]


def test_kaifengs_signing_roles_are_the_five_parties_with_the_owners_alternative() -> None:
    assert signing_roles(KAIFENG) == {*KAIFENG_ROLES, "owners-representatives"}
    assert signing_roles(ZHONGYUAN) == {"street-office", "community", "district-headquarters"}


def test_the_five_parties_signing_on_the_acceptance_day_pass() -> None:
    check_sign_offs(KAIFENG, all_on(KAIFENG_ROLES), DAY)


def test_the_owners_representatives_may_sign_in_place_of_a_committee() -> None:
    check_sign_offs(KAIFENG, all_on(["owners-representatives", *KAIFENG_ROLES[1:]]), DAY)


def test_a_role_outside_the_form_is_refused_at_its_index_listing_the_roles() -> None:
    error = refusal(check_sign_offs, KAIFENG, all_on([*KAIFENG_ROLES, "mayor"]), DAY)
    assert error.errors == [
        FieldProblem(
            "sign_offs.5.role",
            "acceptance_role",
            "roles: contractor, designer, owners-committee, owners-representatives, supervisor, surveyor",
        )
    ]


def test_a_role_signing_twice_is_refused_at_the_second_signature() -> None:
    error = refusal(check_sign_offs, KAIFENG, all_on([*KAIFENG_ROLES, "contractor"]), DAY)
    assert error.errors == [FieldProblem("sign_offs.5.role", "unique", "contractor signed twice")]


def test_a_signature_after_the_acceptance_day_is_refused_and_so_is_an_unknown_role_beside_it() -> None:
    signed = [*all_on(KAIFENG_ROLES[:4]), ("surveyor", date(2020, 9, 2)), ("mayor", date(2020, 9, 3))]
    error = refusal(check_sign_offs, KAIFENG, signed, DAY)
    assert [(p.field, p.rule) for p in error.errors] == [
        ("sign_offs.4.signed_on", "not_after_acceptance"),
        ("sign_offs.5.role", "acceptance_role"),
        ("sign_offs.5.signed_on", "not_after_acceptance"),
    ]
    assert error.errors[0].message == "on or before 2020-09-01"
    assert error.detail == "the acceptance form's signatures are not valid"


def test_a_missing_party_is_named_with_its_clause_and_alternatives() -> None:
    error = refusal(check_sign_offs, KAIFENG, all_on(["contractor", "supervisor", "designer"]), DAY)
    names = "owners-committee or owners-representatives; surveyor"
    assert error.errors == [FieldProblem("sign_offs", "all_parties_sign", f"missing: {names} (六(四))")]
    assert error.detail == f"acceptance is joint: still to sign: {names}"


def test_one_missing_party_is_named_with_its_own_clause() -> None:
    signed = [("street-office", date(2013, 10, 1)), ("community", date(2013, 10, 1))]
    error = refusal(check_sign_offs, ZHONGYUAN, signed, date(2013, 10, 5))
    assert error.errors == [
        FieldProblem("sign_offs", "all_parties_sign", "missing: district-headquarters (五(二)8)")
    ]


def with_acceptance(profile: object, **changes: object) -> object:
    lifecycle = profile.lifecycle  # type: ignore[attr-defined]
    stages = tuple(s.model_copy(update=changes) if s.code == "acceptance" else s for s in lifecycle.stages)
    return profile.model_copy(update={"lifecycle": lifecycle.model_copy(update={"stages": stages})})  # type: ignore[attr-defined]


def test_a_plan_naming_no_signatures_refuses_any_signer_saying_so() -> None:
    profile = with_acceptance(KAIFENG, sign_offs=())
    error = refusal(check_sign_offs, profile, [("contractor", DAY)], DAY)
    assert error.errors == [FieldProblem("sign_offs.0.role", "acceptance_role", "roles: none")]


def test_a_later_round_of_two_parties_waits_for_the_earlier_round_with_both_signatures() -> None:
    first, second, third = ZHONGYUAN.lifecycle.stage("acceptance").sign_offs  # type: ignore[union-attr]
    profile = with_acceptance(ZHONGYUAN, sign_offs=(first, second.model_copy(update={"round": 2}), third))
    signed = [
        ("street-office", date(2013, 10, 3)),
        ("community", date(2013, 10, 2)),
        ("district-headquarters", date(2013, 10, 4)),
    ]
    error = refusal(check_sign_offs, profile, signed, date(2013, 10, 5))
    assert error.errors == [
        FieldProblem("sign_offs", "sign_off_round_order", "round 2 on or after 2013-10-03")
    ]
    check_sign_offs(profile, [("street-office", date(2013, 10, 2)), *signed[1:]], date(2013, 10, 5))


def test_zhongyuans_headquarters_may_sign_the_day_its_round_one_is_complete() -> None:
    signed = [
        ("street-office", date(2013, 10, 1)),
        ("community", date(2013, 10, 3)),
        ("district-headquarters", date(2013, 10, 3)),
    ]
    check_sign_offs(ZHONGYUAN, signed, date(2013, 10, 3))


def test_zhongyuans_headquarters_signing_before_the_last_of_round_one_is_refused() -> None:
    signed = [
        ("street-office", date(2013, 10, 1)),
        ("community", date(2013, 10, 3)),
        ("district-headquarters", date(2013, 10, 2)),
    ]
    error = refusal(check_sign_offs, ZHONGYUAN, signed, date(2013, 10, 5))
    assert error.errors == [
        FieldProblem("sign_offs", "sign_off_round_order", "round 2 on or after 2013-10-03")
    ]
    assert error.detail == "round 2 of the acceptance signs after round 1 is complete"


def test_round_order_is_checked_whatever_order_the_body_lists_the_signatures() -> None:
    signed = [
        ("district-headquarters", date(2013, 10, 2)),
        ("community", date(2013, 10, 1)),
        ("street-office", date(2013, 10, 3)),
    ]
    error = refusal(check_sign_offs, ZHONGYUAN, signed, date(2013, 10, 5))
    assert error.errors[0].message == "round 2 on or after 2013-10-03"


def test_a_single_round_plan_has_no_order_between_its_signatures() -> None:
    signed = [
        ("owners-committee", date(2020, 9, 1)),
        ("contractor", date(2020, 8, 1)),
        ("supervisor", date(2020, 8, 31)),
        ("designer", date(2020, 7, 1)),
        ("surveyor", date(2020, 6, 1)),
    ]
    check_sign_offs(KAIFENG, signed, DAY)


def test_a_party_to_the_acceptance_or_its_organiser_may_record_a_defect() -> None:
    check_defect_roles(KAIFENG, ["district", "surveyor", "owners-representatives"])
    check_defect_roles(ZHONGYUAN, ["street-office", "district-headquarters"])


def test_a_defect_recorded_by_anyone_else_is_refused_at_its_index_listing_the_parties() -> None:
    error = refusal(
        check_defect_roles, ZHENGZHOU_2018, ["district", "contractor", "residents-committee", "x"]
    )
    parties = "district, resident-representatives, residents-committee"
    assert error.errors == [
        FieldProblem("defects.1.recorded_by", "acceptance_party", f"parties: {parties}"),
        FieldProblem("defects.3.recorded_by", "acceptance_party", f"parties: {parties}"),
    ]
    assert error.detail == "a defect is recorded by a party to the acceptance"


def test_the_steps_participants_are_parties_too() -> None:
    lifecycle = KAIFENG.lifecycle
    stages = tuple(
        s.model_copy(update={"participants": ("residents",), "organiser": None})
        if s.code == "acceptance"
        else s
        for s in lifecycle.stages
    )
    profile = KAIFENG.model_copy(update={"lifecycle": lifecycle.model_copy(update={"stages": stages})})
    check_defect_roles(profile, ["residents", "contractor"])
    error = refusal(check_defect_roles, profile, ["district"])
    assert error.errors[0].message == (
        "parties: contractor, designer, owners-committee, owners-representatives, residents, supervisor, surveyor"
    )

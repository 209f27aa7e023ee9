"""One home for every programme rule (issue 6): the award's basis, approver and payer and the
project's steps each come from one function over the profile, so a test profile that changes
the data changes the answer with no code edit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from policy_helpers import bundled_data, load_mutated, mutated

from shared.policy import (
    AwardBasis,
    ProfileError,
    RuleAbsentError,
    StageCode,
    award_approver,
    award_basis,
    award_fen,
    award_payer,
    award_true_up_fen,
    award_trued_up_on_audit,
    bundled_profiles,
    first_step,
    get_profile,
    load_profile,
    next_stage,
    next_steps,
    stage_codes,
)

PROFILES = bundled_profiles()
WITH_AWARD = sorted(code for code, p in PROFILES.items() if p.funding and p.funding.award)
WITHOUT_AWARD = sorted(set(PROFILES) - set(WITH_AWARD))


def _set_award(**fields: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["funding"]["award"].update(fields)

    return change


# --- award: approver and payer ---------------------------------------------------------------


def test_a_different_approver_in_the_profile_changes_the_approver(tmp_path: Path) -> None:
    profile = load_mutated(tmp_path, "zhengzhou-2019", _set_award(approver_department="housing"))
    assert award_approver(profile) == "housing"
    assert award_payer(profile) == bundled_data("zhengzhou-2019")["funding"]["award"]["payer_department"]


def test_the_approver_defaults_to_the_payer(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["funding"]["award"].pop("approver_department", None)
        data["funding"]["award"]["payer_department"] = "housing"

    profile = load_mutated(tmp_path, "zhengzhou-2019", change)
    assert award_approver(profile) == award_payer(profile) == "housing"


def test_an_undeclared_approver_is_refused(tmp_path: Path) -> None:
    path = mutated(tmp_path, "zhengzhou-2019", _set_award(approver_department="mayor"))
    with pytest.raises(
        ProfileError, match="funding.award.approver_department: unknown department code 'mayor'"
    ):
        load_profile(path)


@pytest.mark.parametrize("code", WITHOUT_AWARD)
def test_no_award_means_no_approver_payer_or_basis(code: str) -> None:
    profile = PROFILES[code]
    for rule in (award_approver, award_payer, award_basis):
        with pytest.raises(RuleAbsentError, match=code):
            rule(profile)
    assert not award_trued_up_on_audit(profile)


# --- award: basis and true-up ----------------------------------------------------------------


def test_a_different_ratio_changes_the_amount(tmp_path: Path) -> None:
    profile = load_mutated(tmp_path, "zhengzhou-2019", _set_award(ratio="0.25"))
    assert award_fen(profile, 1_000) == 250


def test_an_audited_basis_without_true_up_refuses_other_figures(tmp_path: Path) -> None:
    profile = load_mutated(
        tmp_path, "zhengzhou-2019", _set_award(basis="audited_investment", true_up_on_audit=False)
    )
    assert award_basis(profile) is AwardBasis.AUDITED_INVESTMENT
    assert not award_trued_up_on_audit(profile)
    with pytest.raises(ValueError, match="audited_investment"):
        award_fen(profile, 100, basis=AwardBasis.ACCEPTED_INVESTMENT)
    with pytest.raises(RuleAbsentError):
        award_true_up_fen(profile, 40, 100)


def test_true_up_on_an_audited_basis_is_refused(tmp_path: Path) -> None:
    """Nothing to true up: the profile says two contradictory things."""
    path = mutated(tmp_path, "zhengzhou-2019", _set_award(basis="audited_investment", true_up_on_audit=True))
    with pytest.raises(ProfileError, match="true_up_on_audit"):
        load_profile(path)


@pytest.mark.parametrize("code", WITH_AWARD)
def test_true_up_refuses_float(code: str) -> None:
    profile = PROFILES[code]
    if not award_trued_up_on_audit(profile):
        pytest.skip("no true-up in this plan")
    with pytest.raises(TypeError):
        award_true_up_fen(profile, 1.0, 100)  # type: ignore[arg-type]


# --- lifecycle ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_steps_walk_the_profile_in_order(code: str) -> None:
    """first_step, then next_steps one at a time, visits every step of the profile once."""
    profile = PROFILES[code]
    walked = [first_step(profile)]
    while following := next_steps(profile, walked[-1]):
        assert len(following) == 1
        walked.append(following[0])
        assert next_stage(profile, walked[-2]) is walked[-1]
    assert tuple(walked) == stage_codes(profile)
    assert next_stage(profile, walked[-1]) is None


@pytest.mark.parametrize("code", sorted(PROFILES))
def test_a_step_outside_the_plan_is_refused(code: str) -> None:
    profile = PROFILES[code]
    for missing in (s for s in StageCode if s not in stage_codes(profile)):
        with pytest.raises(ValueError, match=code):
            next_steps(profile, missing)
    with pytest.raises(ValueError):
        next_steps(profile, "no-such-step")


def test_reordered_steps_in_the_profile_change_the_walk(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["lifecycle"]["stages"].reverse()

    profile = load_mutated(tmp_path, "zhengzhou-2019", change)
    original = stage_codes(get_profile("zhengzhou-2019"))
    assert stage_codes(profile) == tuple(reversed(original))
    assert first_step(profile) is original[-1]
    assert next_steps(profile, original[1]) == (original[0],)

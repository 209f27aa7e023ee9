"""The lifecycle's answers worked out by hand from each plan's steps, the refusal's wording, and the
memo of `allowed_actions` (each test starts from an empty memo, so no answer comes from another test)."""

from __future__ import annotations

import pytest

from services.registry.domain import lifecycle
from services.registry.domain.lifecycle import (
    FINAL_AUDIT,
    Action,
    Status,
    _action,
    allowed_actions,
    check_allowed,
    step_of,
)
from shared.errors import InvalidState
from shared.policy import ProgrammeProfile, get_profile

ZZ19 = get_profile("zhengzhou-2019")  # consultation, planning, construction, acceptance, takeover, close-out
KF = get_profile("kaifeng-2019")  # no audit step, no close-out
ZY = get_profile("zhongyuan-2013")  # tender first, no consultation


@pytest.fixture(autouse=True)
def _empty_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "_allowed_memo", {})


def test_an_action_is_built_with_its_name_step_sources_and_outcome() -> None:
    built = _action("plan-submission", "planning", ("entry", "plan_submitted"), Status.PLAN_SUBMITTED)
    assert built == Action(
        "plan-submission", "planning", frozenset({"entry", "plan_submitted"}), Status.PLAN_SUBMITTED
    )
    assert _action("progress-report", "construction", ("construction_started",), None).leads_to is None


# Zhengzhou 2019: residents consulted, plan submitted (resubmittable) and approved, works started
# (progress reported) and completed, accepted or failed and rectified, taken over; the final-accounts
# audit once after acceptance; the ledger close-out only after the audit.
ZZ19_ALLOWED = {
    Status.OPENED: ["residents-consultation"],
    Status.CONSULTED: ["plan-submission"],
    Status.PLAN_SUBMITTED: ["plan-submission", "plan-approval"],
    Status.PLAN_APPROVED: ["construction-start"],
    Status.CONSTRUCTION_STARTED: ["progress-report", "construction-completion"],
    Status.CONSTRUCTION_COMPLETED: ["acceptance", "acceptance-failure"],
    Status.ACCEPTANCE_FAILED: ["rectification"],
    Status.RECTIFIED: ["acceptance", "acceptance-failure"],
    Status.ACCEPTED: ["property-takeover", FINAL_AUDIT],
    Status.TAKEN_OVER: [FINAL_AUDIT],
    Status.CLOSED: [],
}


@pytest.mark.parametrize(("status", "expected"), ZZ19_ALLOWED.items())
def test_zhengzhou_2019_allows_at_each_status_what_its_plan_puts_next(
    status: Status, expected: list[str]
) -> None:
    assert allowed_actions(ZZ19, status, audited=False) == expected
    audited = [name for name in expected if name != FINAL_AUDIT]
    if status is Status.TAKEN_OVER:
        audited = ["close-out"]
    assert allowed_actions(ZZ19, status.value, audited=True) == audited


def test_kaifeng_has_no_audit_or_close_out_so_a_taken_over_project_is_done() -> None:
    assert allowed_actions(KF, Status.ACCEPTED, audited=False) == ["property-takeover"]
    assert allowed_actions(KF, Status.TAKEN_OVER, audited=False) == []
    assert allowed_actions(KF, Status.COST_REVIEWED, audited=False) == ["tender-award"]


def test_an_audited_project_may_close_out_and_an_unaudited_one_may_not() -> None:
    check_allowed(ZZ19, Status.TAKEN_OVER, "close-out", audited=True)
    with pytest.raises(InvalidState) as caught:
        check_allowed(ZZ19, Status.TAKEN_OVER, "close-out", audited=False)
    assert caught.value.allowed == [FINAL_AUDIT]


def _refusal(profile: ProgrammeProfile, status: Status, action: str) -> InvalidState:
    with pytest.raises(InvalidState) as caught:
        check_allowed(profile, status, action, audited=False)
    return caught.value


def test_an_action_of_the_plan_out_of_turn_is_refused_now_naming_every_allowed_action() -> None:
    error = _refusal(KF, Status.RECTIFIED, "property-takeover")
    assert error.detail == (
        "a project at step 'acceptance' (rectified) cannot take 'property-takeover' now; "
        "allowed now: acceptance, acceptance-failure"
    )
    assert [(p.field, p.rule, p.message) for p in error.errors] == [
        ("action", "lifecycle_order", "allowed now: acceptance, acceptance-failure")
    ]


def test_the_audit_is_in_zhengzhou_2019s_plan_but_not_before_acceptance() -> None:
    error = _refusal(ZZ19, Status.PLAN_APPROVED, FINAL_AUDIT)
    assert error.detail == (
        "a project at step 'planning' (plan_approved) cannot take 'final-accounts-audit' now; "
        "allowed now: construction-start"
    )


def test_an_audit_or_close_out_under_a_plan_without_them_is_refused_as_no_such_step() -> None:
    error = _refusal(KF, Status.RECTIFIED, FINAL_AUDIT)
    assert error.detail == (
        "a project at step 'acceptance' (rectified) cannot take 'final-accounts-audit' under "
        "kaifeng-2019: the plan has no such step; allowed now: acceptance, acceptance-failure"
    )
    assert "under kaifeng-2019: the plan has no such step" in _refusal(KF, Status.OPENED, "close-out").detail


def test_an_unknown_action_is_no_step_of_any_plan() -> None:
    error = _refusal(ZY, Status.OPENED, "demolition")
    assert error.detail == (
        "a project at step 'tender' (opened) cannot take 'demolition' under zhongyuan-2013: "
        "the plan has no such step; allowed now: tender-award"
    )


def test_a_closed_project_is_told_nothing_is_allowed() -> None:
    error = _refusal(ZZ19, Status.CLOSED, "acceptance")
    assert error.detail.endswith("cannot take 'acceptance' now; allowed now: none")
    assert error.errors[0].message == "allowed now: none"
    assert error.allowed == []


def test_a_status_the_plan_never_reaches_names_the_programme_and_status() -> None:
    with pytest.raises(
        ValueError, match=r"^zhongyuan-2013: status 'consulted' is not reachable in this plan$"
    ):
        step_of(ZY, Status.CONSULTED)


def test_a_repeated_question_about_the_same_profile_is_answered_from_the_memo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    computed: list[str] = []
    rule = lifecycle._allowed_actions

    def counting(profile: ProgrammeProfile, status: Status, *, audited: bool) -> list[str]:
        computed.append(profile.code)
        return rule(profile, status, audited=audited)

    monkeypatch.setattr(lifecycle, "_allowed_actions", counting)
    first = allowed_actions(ZZ19, Status.OPENED, audited=False)
    assert allowed_actions(KF, Status.OPENED, audited=False) == ["residents-consultation"]
    assert allowed_actions(ZZ19, "opened", audited=False) == first == ["residents-consultation"]
    assert computed == ["zhengzhou-2019", "kaifeng-2019"]


def test_a_memo_entry_left_by_another_profile_object_is_not_served(monkeypatch: pytest.MonkeyPatch) -> None:
    memo = {(id(ZZ19), "opened", False): (KF, ("tender-award",))}
    monkeypatch.setattr(lifecycle, "_allowed_memo", memo)
    assert allowed_actions(ZZ19, Status.OPENED, audited=False) == ["residents-consultation"]

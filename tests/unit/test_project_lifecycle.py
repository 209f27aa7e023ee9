"""The project lifecycle is read from each programme's profile: its steps, in its order, one at a time.

No step list is retyped here: the expected order is the profile's own (`stage_codes`), so a
profile change moves these tests with it, and a service that hard-coded Zhengzhou 2019's steps
would fail on Zhongyuan 2013 or Kaifeng 2019.
"""

from __future__ import annotations

import pytest

from services.registry.domain.lifecycle import (
    ACTIONS,
    CLOSE_OUT,
    FINAL_AUDIT,
    Status,
    acted_steps,
    allowed_actions,
    check_allowed,
    has_completed,
    step_of,
)
from shared.errors import ConflictError, InvalidState
from shared.policy import (
    audit_after,
    bundled_profiles,
    closes_out_in_ledger,
    first_step,
    get_profile,
    stage_codes,
)
from shared.web.problems import problem_kind

PROFILES = sorted(bundled_profiles())
ENTERING = {a.step: a for a in ACTIONS if "entry" in a.from_statuses and a.name != "acceptance-failure"}


def _walk(code: str) -> list[tuple[str, str]]:
    """(step, action) for each action that moves a project on, taking the first that advances."""
    profile = get_profile(code)
    status, audited, seen = Status.OPENED, False, []
    last = None
    while True:
        allowed = [a for a in allowed_actions(profile, status, audited=audited) if a != last]
        moving = [a for a in allowed if a not in ("acceptance-failure", FINAL_AUDIT)]
        moving = [a for a in moving if next(x for x in ACTIONS if x.name == a).leads_to is not None]
        if not moving:
            return seen
        last = moving[0]
        action = next(x for x in ACTIONS if x.name == last)
        assert action.leads_to is not None
        status = action.leads_to
        seen.append((step_of(profile, status), last))
        if status is Status.ACCEPTED:
            audited = True


@pytest.mark.parametrize("code", PROFILES)
def test_a_new_project_is_at_the_profiles_first_step(code: str) -> None:
    profile = get_profile(code)
    assert step_of(profile, Status.OPENED) == first_step(profile).value


@pytest.mark.parametrize("code", PROFILES)
def test_the_steps_a_project_takes_follow_the_profiles_order(code: str) -> None:
    profile = get_profile(code)
    steps = [step for step, _ in _walk(code)]
    expected = [s.value for s in stage_codes(profile) if s.value in ENTERING]
    if closes_out_in_ledger(profile):
        expected.append(CLOSE_OUT)
    assert list(dict.fromkeys(steps)) == expected == list(acted_steps(profile))


@pytest.mark.parametrize("code", PROFILES)
def test_no_action_belongs_to_a_step_the_plan_lacks(code: str) -> None:
    profile = get_profile(code)
    planned = {s.value for s in stage_codes(profile)} | {CLOSE_OUT}
    for status in Status:
        try:
            names = allowed_actions(profile, status, audited=False)
        except ValueError:
            continue  # a status this plan never reaches
        for name in names:
            if name != FINAL_AUDIT:
                assert next(a for a in ACTIONS if a.name == name).step in planned


def test_zhongyuan_2013_starts_at_its_tender_and_has_no_consultation_or_plan() -> None:
    profile = get_profile("zhongyuan-2013")
    assert allowed_actions(profile, Status.OPENED, audited=False) == ["tender-award"]
    with pytest.raises(InvalidState, match="the plan has no such step"):
        check_allowed(profile, Status.OPENED, "residents-consultation", audited=False)


def test_kaifeng_2019_reviews_come_between_plan_and_tender() -> None:
    names = [action for _, action in _walk("kaifeng-2019")]
    assert names.index("plan-approval") < names.index("project-approval") < names.index("design-review")
    assert names.index("design-review") < names.index("cost-review") < names.index("tender-award")


def test_zhengzhou_2019_starts_with_the_residents_and_has_no_tender_step() -> None:
    profile = get_profile("zhengzhou-2019")
    assert allowed_actions(profile, Status.OPENED, audited=False) == ["residents-consultation"]
    assert "tender-award" not in [action for _, action in _walk("zhengzhou-2019")]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.OPENED, "plan-submission"),
        (Status.OPENED, "acceptance"),
        (Status.PLAN_APPROVED, "construction-completion"),
        (Status.CONSTRUCTION_STARTED, "property-takeover"),
        (Status.CONSULTED, "residents-consultation"),
        (Status.ACCEPTED, "acceptance"),
        (Status.CLOSED, "acceptance"),
    ],
)
def test_skipping_repeating_or_going_back_is_a_conflict_naming_what_is_allowed(
    status: Status, action: str
) -> None:
    profile = get_profile("zhengzhou-2019")
    with pytest.raises(ConflictError) as caught:
        check_allowed(profile, status, action, audited=False)
    error = caught.value
    assert isinstance(error, InvalidState)
    assert problem_kind(error).status == 409
    assert [(p.field, p.rule) for p in error.errors] == [("action", "lifecycle_order")]
    assert error.current == step_of(profile, status)
    assert error.allowed == allowed_actions(profile, status, audited=False)


def test_the_conflict_names_the_step_and_the_action_allowed_next() -> None:
    with pytest.raises(InvalidState) as caught:
        check_allowed(get_profile("zhengzhou-2019"), Status.OPENED, "plan-submission", audited=False)
    assert caught.value.current == "survey"
    assert caught.value.allowed == ["residents-consultation"]
    assert "allowed now: residents-consultation" in caught.value.detail


def test_a_closed_project_allows_nothing() -> None:
    assert allowed_actions(get_profile("zhengzhou-2019"), Status.CLOSED, audited=True) == []


def test_acceptance_needs_no_audit_and_close_out_waits_for_it() -> None:
    profile = get_profile("zhengzhou-2019")
    assert audit_after(profile) is not None
    assert "acceptance" in allowed_actions(profile, Status.CONSTRUCTION_COMPLETED, audited=False)
    after_takeover = allowed_actions(profile, Status.TAKEN_OVER, audited=False)
    assert after_takeover == [FINAL_AUDIT]
    assert allowed_actions(profile, Status.TAKEN_OVER, audited=True) == ["close-out"]


def test_the_audit_is_recorded_after_acceptance_only_and_once() -> None:
    profile = get_profile("zhengzhou-2019")
    assert FINAL_AUDIT not in allowed_actions(profile, Status.CONSTRUCTION_COMPLETED, audited=False)
    assert FINAL_AUDIT in allowed_actions(profile, Status.ACCEPTED, audited=False)
    assert FINAL_AUDIT not in allowed_actions(profile, Status.ACCEPTED, audited=True)
    assert has_completed(profile, Status.TAKEN_OVER, "acceptance")


def test_a_failed_acceptance_goes_through_rectification_before_re_acceptance() -> None:
    profile = get_profile("kaifeng-2019")
    assert allowed_actions(profile, Status.ACCEPTANCE_FAILED, audited=False) == ["rectification"]
    assert allowed_actions(profile, Status.RECTIFIED, audited=False) == ["acceptance", "acceptance-failure"]

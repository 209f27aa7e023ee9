"""`allowed_actions` remembers its answer per profile object, status and audit flag: the memo must
answer exactly what the rule computes, never another profile's answer, and hand out fresh lists."""

from __future__ import annotations

import pytest

from services.registry.domain import lifecycle
from services.registry.domain.lifecycle import Status, allowed_actions
from shared.policy import bundled_profiles, get_profile

PROFILES = sorted(bundled_profiles())


@pytest.mark.parametrize("code", PROFILES)
@pytest.mark.parametrize("audited", [False, True])
def test_memoised_answer_equals_the_rule_for_every_status(code: str, audited: bool) -> None:
    profile = get_profile(code)
    for status in Status:
        try:
            expected = lifecycle._allowed_actions(profile, status, audited=audited)
        except ValueError:
            continue
        assert allowed_actions(profile, status, audited=audited) == expected
        assert allowed_actions(profile, status.value, audited=audited) == expected


def test_a_different_profile_object_with_the_same_code_is_not_answered_from_the_memo() -> None:
    profile = get_profile(PROFILES[0])
    allowed_actions(profile, Status.OPENED, audited=False)
    # A changed copy (same code, no close-out step, say) must be computed afresh, not served the
    # original's cached answer.
    other = profile.model_copy(update={"lifecycle": get_profile(PROFILES[-1]).lifecycle})
    assert allowed_actions(other, Status.OPENED, audited=False) == lifecycle._allowed_actions(
        other, Status.OPENED, audited=False
    )


def test_the_caller_may_change_the_list_it_got_without_changing_the_next_answer() -> None:
    profile = get_profile(PROFILES[0])
    first = allowed_actions(profile, Status.OPENED, audited=False)
    first.append("not-an-action")
    assert "not-an-action" not in allowed_actions(profile, Status.OPENED, audited=False)


def test_the_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "_ALLOWED_MEMO_SIZE", 2)
    monkeypatch.setattr(lifecycle, "_allowed_memo", {})
    profile = get_profile(PROFILES[0])
    for status in (Status.OPENED, Status.CONSULTED, Status.CLOSED):
        try:
            allowed_actions(profile, status, audited=False)
        except ValueError:
            pass
    assert len(lifecycle._allowed_memo) <= 2

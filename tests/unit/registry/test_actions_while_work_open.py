"""Open pipeline work takes construction completion off the allowed actions and offers the
exemption instead; where completion was not allowed anyway, nothing changes."""

from __future__ import annotations

from services.registry.domain.lifecycle import Status, allowed_actions
from services.registry.domain.pipeline import EXEMPTION_ACTION, actions_while_work_open
from shared.policy import get_profile


def test_completion_gives_way_to_the_exemption_while_work_is_open() -> None:
    allowed = allowed_actions(get_profile("zhengzhou-2019"), Status.CONSTRUCTION_STARTED, audited=False)
    assert "construction-completion" in allowed
    held = actions_while_work_open(allowed)
    assert "construction-completion" not in held and held[-1] == EXEMPTION_ACTION
    assert [a for a in allowed if a != "construction-completion"] == held[:-1]


def test_actions_without_completion_are_left_alone() -> None:
    allowed = allowed_actions(get_profile("zhengzhou-2019"), Status.OPENED, audited=False)
    assert actions_while_work_open(allowed) == allowed

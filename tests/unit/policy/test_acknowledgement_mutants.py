"""Who an event asks to act (shared.policy.rules.acknowledgement), read from the plans' duties.

Zhengzhou 2019 六: 市消防支队 guides and inspects fire facilities and fire lanes, 市公安局 the
surveillance and smart security (item 8 gives both); 五(一): 市级财政 awards 40%, so Finance approves.
Kaifeng 七(二): 市住建部门 proposes and 市财政部门 allocates the central funds. Before these tests no
unit test reached this module at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from policy_helpers import load_mutated

from shared.policy import ProgrammeProfile, get_profile
from shared.policy.rules.acknowledgement import ActionDue, actions_asked, actions_completed

ZHENGZHOU = get_profile("zhengzhou-2019")
KAIFENG = get_profile("kaifeng-2019")
STARTED = "registry.project.construction_started.v1"
ACCEPTED = "registry.project.accepted.v1"


def _asked(profile: ProgrammeProfile, event_type: str, items: list[Any]) -> list[tuple[str, str]]:
    """(request code, department) pairs, the way an action-item list reads."""
    found = actions_asked(profile, event_type, items)
    assert all(isinstance(due, ActionDue) for due in found)
    return [(due.request.code, due.department) for due in found]


def _request(code: str, event_type: str, responsible: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name_zh": "测试",
        "name_en": "Test",
        "event_type": event_type,
        "responsible": responsible,
        "acknowledge_within_hours": 24,
        "clause": "七(二)",
        **extra,
    }


def test_item_8_asks_fire_then_police_when_works_start() -> None:
    """Item 8 (fire facilities, surveillance, smart security) is Fire's and Police's: both act."""
    assert _asked(ZHENGZHOU, STARTED, [8]) == [("fire-inspection", "fire"), ("security-inspection", "police")]


def test_only_the_departments_of_the_chosen_items_are_asked() -> None:
    """Item 18 (fire lanes) is Fire's alone; item 3 (roads) is Urban Management's, which the
    construction-start requests do not list, so nobody is asked for it."""
    assert _asked(ZHENGZHOU, STARTED, [18]) == [("fire-inspection", "fire")]
    assert _asked(ZHENGZHOU, STARTED, ["roads-kerbs"]) == []
    assert _asked(ZHENGZHOU, STARTED, []) == []


def test_an_item_no_longer_in_the_catalogue_is_skipped_and_the_rest_still_count() -> None:
    """A plan approved under an older catalogue may name an item since removed: that one is
    skipped, the items after it still ask their departments."""
    assert _asked(ZHENGZHOU, STARTED, ["no-such-item", 99, 8]) == [
        ("fire-inspection", "fire"),
        ("security-inspection", "police"),
    ]


def test_acceptance_asks_the_award_approver_finance_whatever_the_items() -> None:
    """五(一): 市级财政 pays the 40% award, and acceptance proposes it: Finance is asked to approve."""
    (due,) = actions_asked(ZHENGZHOU, ACCEPTED, [3])
    assert due.request.code == "award-approval"
    assert due.request is ZHENGZHOU.action_requests[2]
    assert due.department == "finance"


def test_an_event_no_request_names_asks_nothing() -> None:
    assert _asked(ZHENGZHOU, "registry.project.registered.v1", [8]) == []
    assert _asked(get_profile("zhongyuan-2013"), STARTED, [8]) == []


def test_kaifeng_central_allocation_proposed_asks_finance() -> None:
    """七(二): 市财政部门负责资金的分配、拨付 — the proposal asks Finance (the allocator) to act."""
    (due,) = actions_asked(KAIFENG, "funding.central_allocation.proposed.v1", [])
    assert due.request.code == "central-allocation-approval"
    assert due.request is KAIFENG.action_requests[1]
    assert due.department == "finance"


def test_kaifeng_fire_facilities_item_asks_fire() -> None:
    assert _asked(KAIFENG, STARTED, ["fire-facilities"]) == [("fire-inspection", "fire")]
    assert _asked(KAIFENG, STARTED, ["water-supply"]) == []


def test_an_award_request_in_a_plan_without_award_is_skipped_not_fatal(tmp_path: Path) -> None:
    """Kaifeng sets no award ratio, so nobody approves one; a later request of the same event
    still asks its department."""

    def change(data: dict[str, Any]) -> None:
        data["action_requests"] = [
            _request("award-approval", ACCEPTED, "award_approver"),
            _request("fire-check", ACCEPTED, "item_departments", departments=["fire"]),
        ]

    profile = load_mutated(tmp_path, "kaifeng-2019", change)
    assert _asked(profile, ACCEPTED, [6]) == [("fire-check", "fire")]


def test_a_central_request_without_central_funds_or_roles_asks_nobody(tmp_path: Path) -> None:
    """Zhongyuan has no funding rules at all, and a Kaifeng variant without roles names no allocator:
    the request asks nobody rather than inventing a department."""
    proposed = "funding.central_allocation.proposed.v1"

    def add(data: dict[str, Any]) -> None:
        data["action_requests"] = [_request("central", proposed, "central_allocator")]

    zhongyuan = load_mutated(tmp_path, "zhongyuan-2013", add)
    assert zhongyuan.funding is None
    assert actions_asked(zhongyuan, proposed, []) == []

    def drop_roles(data: dict[str, Any]) -> None:
        del data["funding"]["central_subsidy"]["roles"]

    no_roles = load_mutated(tmp_path, "kaifeng-2019", drop_roles)
    assert actions_asked(no_roles, proposed, []) == []


@pytest.mark.parametrize(
    ("profile", "event_type", "codes"),
    [
        (ZHENGZHOU, "funding.subsidy.approved.v1", ["award-approval"]),
        (KAIFENG, "funding.central_allocation.approved.v1", ["central-allocation-approval"]),
        (ZHENGZHOU, STARTED, []),
        (KAIFENG, "funding.central_allocation.proposed.v1", []),
    ],
)
def test_the_completing_event_records_the_action_itself(
    profile: ProgrammeProfile, event_type: str, codes: list[str]
) -> None:
    """The award approved records Finance's approval; the event that asks is not the one that completes."""
    assert [r.code for r in actions_completed(profile, event_type)] == codes

"""Each programme's project runs its own lifecycle end to end over HTTP against real Kafka and
PostgreSQL (#8 "Done when"), from opening to the ledger's close-out (销号) where the plan has one:
the steps come from the running registry (`allowed_actions`), the bodies from the profile, and
every step's event reaches the registry's topic in the order it was taken."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.registry.domain.lifecycle import BY_NAME, FINAL_AUDIT, acted_steps
from shared.clock import shanghai_date
from shared.contracts.envelope import CloudEvent
from shared.contracts.topics import REGISTRY_EVENTS
from shared.policy import get_profile
from tests.support import tokens
from tests.support.factories import WALK_SKIPS, community_body, project_body, step_bodies
from tests.support.kafka_io import read_topic

PROGRAMMES = {
    "zhengzhou-2019": ("zz-jinshui", "文化路街道"),
    "zhengzhou-2018": ("zz-erqi", "蜜蜂张街道"),
    "kaifeng-2019": ("kf-gulou", "相国寺街道"),
    "zhongyuan-2013": ("zz-zhongyuan", "林山寨街道"),
}
# The event each action stages, by the last part of its type.
EVENTS = {
    "residents-consultation": "residents_consulted",
    "plan-submission": "plan_submitted",
    "plan-approval": "plan_approved",
    "project-approval": "review_passed",  # Kaifeng 七(五)'s three reviews, one event type
    "design-review": "review_passed",
    "cost-review": "review_passed",
    "tender-award": "tender_awarded",
    "construction-start": "construction_started",
    "construction-completion": "construction_completed",
    "acceptance": "accepted",
    FINAL_AUDIT: "final_accounts_audited",
    "property-takeover": "property_taken_over",
    "close-out": "closed",
}


def _next(allowed: list[str], last: str | None) -> str | None:
    """The step a walk takes next: the first that moves the project on (a revision, the same
    action again, does not), else the audit."""
    moving = [a for a in allowed if a not in WALK_SKIPS and a != last]
    if moving:
        return moving[0]
    return FINAL_AUDIT if FINAL_AUDIT in allowed else None


@pytest.mark.parametrize("programme", list(PROGRAMMES))
async def test_a_project_runs_its_programmes_whole_lifecycle(platform, programme: str) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    district_code, street = PROGRAMMES[programme]
    district = platform.client("registry", tokens.district(district_code))
    today = shanghai_date(datetime.now(UTC)).isoformat()

    community = await district.post(
        "/communities",
        json=community_body(district_code=district_code, street_office=street, programme_code=programme),
    )
    assert community.status_code == 201, community.text
    opened = await district.post("/projects", json=project_body(community.json()["id"]))
    assert opened.status_code == 201, opened.text
    project = opened.json()
    pid = project["id"]
    bodies = step_bodies(programme, today, project["investment_fen"])

    taken: list[str] = []
    while (action := _next(project["allowed_actions"], taken[-1] if taken else None)) is not None:
        done = await district.post(f"/projects/{pid}/{action}", json=bodies[action])
        assert done.status_code == 200, f"{programme} {action}: {done.text}"
        project = done.json()
        taken.append(action)
        assert len(taken) < 20, taken
    assert project["allowed_actions"] == []
    steps = list(dict.fromkeys(BY_NAME[a].step for a in taken if a != FINAL_AUDIT))
    assert steps == list(acted_steps(get_profile(programme)))  # every step of the plan, in its order

    timeline = (await district.get(f"/projects/{pid}/timeline")).json()
    assert [row["action"] for row in timeline] == taken

    wanted = len(taken) + 1  # ProjectRegistered, then one event per step
    records = await read_topic(
        platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), wanted + 1, timeout_s=60
    )
    ours = [
        e for e in map(CloudEvent.from_bytes, (r.value for r in records)) if e.data.get("project_id") == pid
    ]
    assert [e.type.removeprefix("registry.project.").removesuffix(".v1") for e in ours] == [
        "registered",
        *(EVENTS[a] for a in taken),
    ]

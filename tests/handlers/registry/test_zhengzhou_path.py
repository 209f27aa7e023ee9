"""A Zhengzhou 2019 project on the handler tier: each step's event, audit entry and timeline row."""

from __future__ import annotations

from services.registry.handlers import SUBSCRIPTIONS
from services.registry.models.projects import ProjectStep
from tests.handlers.registry.walk import act, open_project, project_outbox_types, walk

PREFIX = "registry.project."


async def test_a_project_walks_its_programme_steps_to_close_out_one_event_each(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    assert (project.step, project.status) == ("survey", "opened")
    assert project.allowed_actions == ["residents-consultation"]
    await walk(harness, project.id, "acceptance")
    accepted = await act(harness, project.id, "final-accounts-audit")
    assert accepted.allowed_actions == ["property-takeover"]
    taken = await act(harness, project.id, "property-takeover")
    assert taken.allowed_actions == ["close-out"]
    closed = await act(harness, project.id, "close-out")
    assert (closed.step, closed.status, closed.allowed_actions) == ("close_out", "closed", [])
    assert [t.removeprefix(PREFIX) for t in await project_outbox_types(harness)] == [
        "registered.v1",
        "residents_consulted.v1",
        "plan_submitted.v1",
        "plan_approved.v1",
        "construction_started.v1",
        "construction_completed.v1",
        "accepted.v1",
        "final_accounts_audited.v1",
        "property_taken_over.v1",
        "closed.v1",
    ]
    assert len(await harness.all(ProjectStep)) == 9

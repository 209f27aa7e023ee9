"""What a project lists as allowed agrees with what its commands refuse: while assigned pipeline
work is open and not exempted, construction completion is not offered (it would be refused) and
the exemption is; once the work is exempted, completion is offered again and succeeds."""

from __future__ import annotations

import pytest

from services.registry.handlers import SUBSCRIPTIONS, pipeline, projects
from services.registry.handlers.directory import seed_organisations
from services.registry.models.pipeline import PipelineExemptionCreate, PipelineWorkAssignment
from shared.errors import InvalidState
from tests.handlers.registry.walk import act, office, open_project, projects_get, walk

COMPLETION, EXEMPTION = "construction-completion", "pipeline-exemptions"


async def _listed(harness, project_id):  # type: ignore[no-untyped-def]
    """The project's allowed actions as GET /projects/{id} and GET /projects show them."""
    one = (await projects_get(harness, project_id)).allowed_actions
    page, _ = await harness.run(
        lambda s: projects.list_projects(
            s,
            office(),
            programme_code=None,
            district_code=None,
            street_office=None,
            step=None,
            status=None,
            limit=10,
            offset=0,
        )
    )
    (listed,) = [p.allowed_actions for p in page if p.id == project_id]
    assert one == listed
    return one


async def test_completion_is_not_listed_while_work_is_open_and_the_refusal_lists_the_same(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await harness.run(seed_organisations)
    project = await open_project(harness)
    await walk(harness, project.id, "plan-approval")
    body = PipelineWorkAssignment.model_validate(
        {
            "item_code": "overhead-lines",
            "utility_code": "power",
            "scope": "架空电力线入地改造",
            "planned_start_on": "2026-05-01",
            "planned_end_on": "2026-07-31",
        }
    )
    now = harness.clock.now()
    work = await harness.run(lambda s: pipeline.assign_work(s, harness.actor, project.id, body, now))
    started = await act(harness, project.id, "construction-start")
    assert COMPLETION not in started.allowed_actions and EXEMPTION in started.allowed_actions
    listed = await _listed(harness, project.id)
    assert listed == started.allowed_actions
    with pytest.raises(InvalidState) as caught:
        await act(harness, project.id, COMPLETION)
    assert caught.value.allowed == listed

    exemption = PipelineExemptionCreate.model_validate(
        {"work_ids": [str(work.id)], "reason": "供电公司另行实施", "exempted_on": "2026-08-20"}
    )
    await harness.run(lambda s: pipeline.exempt_works(s, harness.actor, project.id, exemption, now))
    listed = await _listed(harness, project.id)
    assert COMPLETION in listed and EXEMPTION not in listed
    assert (await act(harness, project.id, COMPLETION)).status == "construction_completed"


async def test_without_pipeline_work_completion_is_listed_and_taken(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness)
    started = await walk(harness, project.id, "construction-start")
    assert COMPLETION in started.allowed_actions and EXEMPTION not in started.allowed_actions
    assert await _listed(harness, project.id) == started.allowed_actions
    assert (await act(harness, project.id, COMPLETION)).status == "construction_completed"

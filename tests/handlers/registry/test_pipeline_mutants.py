"""Utilities' pipeline work, pinned where mutants survived: a closed project's refusal names the
command refused, an exemption's date problem names its own field, the exemption's audit entry, the
project's district reads its exemptions, and the work list's filters (project, company, status,
blocking or not: an exempted work no longer blocks), paging and order (oldest first, id breaking
ties)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from services.registry.domain.pipeline import WorkStatus
from services.registry.handlers import SUBSCRIPTIONS, pipeline
from services.registry.handlers.directory import seed_organisations
from services.registry.models.pipeline import PipelineExemptionCreate
from shared.audit import AuditEntry
from shared.errors import FieldProblem, InvalidState, NotFoundError, RuleViolation
from tests.handlers.harness import ServiceHarness
from tests.handlers.registry.test_areas_and_directory_mutants import against_their_ids
from tests.handlers.registry.test_pipeline_work import (
    assign,
    assignment,
    close,
    complete,
    exempt,
    listed,
    planned_project,
    start,
    utility,
)
from tests.handlers.registry.walk import act, district, office, walk


@pytest.fixture
async def zz(harness_for):  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await harness.run(seed_organisations)
    return harness


def _exemption(work_ids: list[uuid.UUID], on: str) -> PipelineExemptionCreate:
    return PipelineExemptionCreate.model_validate(
        {
            "work_ids": [str(w) for w in work_ids],
            "reason": "燃气公司年度计划未列入，另行实施",
            "exempted_on": on,
        }
    )


async def test_a_closed_projects_refusal_names_the_command_refused(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await start(zz, work.id)
    await exempt(zz, project.id, [work.id])
    await close(zz, project.id)
    with pytest.raises(InvalidState) as completion:
        await complete(zz, work.id)
    assert completion.value.detail == "the project is closed (closed): pipeline work cannot take 'completion'"
    with pytest.raises(InvalidState) as exemption:
        await exempt(zz, project.id, [work.id])
    assert exemption.value.detail == "the project is closed (closed): pipeline work cannot take 'exemption'"
    assert exemption.value.errors == [FieldProblem("project_id", "project_closed", "the project is closed")]


async def test_an_exemption_dated_tomorrow_is_refused_naming_its_date_field(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    now = zz.clock.now()  # 2026-11-20 in Asia/Shanghai
    body = _exemption([work.id], "2026-11-21")
    with pytest.raises(RuleViolation) as caught:
        await zz.run(lambda s: pipeline.exempt_works(s, district(), project.id, body, now))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("exempted_on", "not_in_future")]


async def test_an_exemption_is_audited_under_the_project_and_read_by_its_district(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    exemption = await exempt(zz, project.id, [work.id], actor=district())
    [entry] = [e for e in await zz.all(AuditEntry) if e.action == "pipeline_work.exempted"]
    assert (entry.record_type, entry.record_id) == ("project", str(project.id))
    assert json.loads(entry.after) == {
        "exemption_id": exemption.id,
        "work_ids": [str(work.id)],
        "reason": "燃气公司年度计划未列入，另行实施",
        "exempted_on": "2026-08-20",
    }
    read = await zz.run(lambda s: pipeline.list_exemptions(s, district("zz-jinshui"), project.id))
    assert [e.id for e in read] == [exemption.id]
    with pytest.raises(NotFoundError, match=f"^no project {project.id}$"):
        await zz.run(lambda s: pipeline.list_exemptions(s, district("zz-erqi"), project.id))
    with pytest.raises(NotFoundError, match=f"^no pipeline work {work.id}$"):
        await zz.run(lambda s: pipeline.get_work(s, utility("gas"), work.id))


async def _ids(harness: ServiceHarness, actor: Any = None, **filters: Any) -> list[uuid.UUID]:
    page, total = await listed(harness, actor or office(), **filters)
    assert total == len(page)
    return sorted(w.id for w in page)


async def test_the_work_list_filters_by_project_company_status_and_blocking(zz) -> None:  # type: ignore[no-untyped-def]
    """Blocking works are open and not exempted; the others are completed or exempted (an
    exempted work stays open for its company to finish, but no longer holds up construction)."""
    project = await planned_project(zz)
    other = await planned_project(zz)
    power = await assign(zz, project.id)
    telecom = await assign(zz, project.id, assignment(utility_code="telecom"))
    gas_free = await assign(zz, project.id, assignment(utility_code="cable-tv"))
    elsewhere = await assign(zz, other.id)
    await start(zz, power.id)
    await complete(zz, power.id)
    await exempt(zz, project.id, [telecom.id])
    ours = sorted([power.id, telecom.id, gas_free.id])
    assert await _ids(zz, project_id=project.id) == ours
    assert await _ids(zz, utility_code="telecom") == [telecom.id]
    assert await _ids(zz, status=WorkStatus.COMPLETED) == [power.id]
    assert await _ids(zz, status=WorkStatus.ASSIGNED) == sorted([telecom.id, gas_free.id, elsewhere.id])
    assert await _ids(zz, project_id=project.id, blocking=False) == sorted([power.id, telecom.id])
    assert await _ids(zz, project_id=project.id, blocking=True) == [gas_free.id]


async def test_the_work_list_is_oldest_first_with_the_id_breaking_ties_and_pages(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    expected = [w.id for w in await against_their_ids(lambda: assign(zz, project.id), zz.clock)]
    page, total = await listed(zz, office())
    assert ([w.id for w in page], total) == (expected, len(expected))
    page, total = await zz.run(
        lambda s: pipeline.list_works(
            s, office(), project_id=None, utility_code=None, status=None, blocking=None, limit=2, offset=1
        )
    )
    assert ([w.id for w in page], total) == (expected[1:3], len(expected))


async def _entry(harness: ServiceHarness, action: str) -> AuditEntry:
    [entry] = [e for e in await harness.all(AuditEntry) if e.action == action]
    return entry


async def test_each_step_of_a_work_is_audited_under_the_work_with_its_status_before_and_after(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await start(zz, work.id, on="2026-05-02")
    done = await complete(zz, work.id)
    assert (done.scope_done, done.evidence_ref, str(done.completed_on)) == (
        "架空线全部入地",
        "供电竣工单-2026-017",
        "2026-08-01",
    )
    expected = {
        "assigned": (None, {"status": "assigned", **assignment().model_dump(mode="json")}),
        "started": ({"status": "assigned"}, {"status": "started", "started_on": "2026-05-02"}),
        "completed": (
            {"status": "started"},
            {
                "status": "completed",
                "completed_on": "2026-08-01",
                "scope_done": "架空线全部入地",
                "evidence_ref": "供电竣工单-2026-017",
            },
        ),
    }
    for step, (before, after) in expected.items():
        entry = await _entry(zz, f"pipeline_work.{step}")
        assert (entry.record_type, entry.record_id) == ("pipeline_work", str(work.id)), step
        assert (None if entry.before is None else json.loads(entry.before)) == before, step
        assert json.loads(str(entry.after)) == {**after, "project_id": str(project.id)}, step


async def test_a_closed_projects_refusal_names_the_assignment_and_the_start(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    await exempt(zz, project.id, [work.id])
    await close(zz, project.id)
    with pytest.raises(InvalidState) as assigned:
        await assign(zz, project.id)
    assert assigned.value.detail == "the project is closed (closed): pipeline work cannot take 'assignment'"
    with pytest.raises(InvalidState) as started:
        await start(zz, work.id)
    assert started.value.detail == "the project is closed (closed): pipeline work cannot take 'start'"


async def test_a_work_is_not_found_in_words_by_a_district_or_another_company(zz) -> None:  # type: ignore[no-untyped-def]
    project = await planned_project(zz)
    work = await assign(zz, project.id)
    for stranger in (district(), utility("telecom")):
        with pytest.raises(NotFoundError, match=f"^no pipeline work {work.id}$"):
            await start(zz, work.id, actor=stranger)


async def test_the_refusal_to_complete_construction_names_each_open_work_oldest_first(zz) -> None:  # type: ignore[no-untyped-def]
    """Each open work by item, company, status and id, in the order they were assigned (the id
    breaking ties)."""
    project = await planned_project(zz)
    works = await against_their_ids(lambda: assign(zz, project.id), zz.clock)
    await start(zz, works[1].id)
    await walk(zz, project.id, "construction-start")
    with pytest.raises(InvalidState) as caught:
        await act(zz, project.id, "construction-completion")
    statuses = ["assigned", "started", *["assigned"] * (len(works) - 2)]
    named = "; ".join(
        f"overhead-lines by power ({status}, {w.id})" for w, status in zip(works, statuses, strict=True)
    )
    assert caught.value.detail == f"construction cannot be completed while pipeline work is open: {named}"

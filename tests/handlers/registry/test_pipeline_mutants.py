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
from tests.handlers.registry.walk import district, office


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

"""Works on site: started, progress per catalogue item, completed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.planning import check_items
from services.registry.handlers.lifecycle import begin_step, event_fields, lock_project, record_step
from services.registry.handlers.pipeline import check_no_open_work
from services.registry.handlers.projects import present, present_current
from services.registry.models.construction import ConstructionCompletion, ConstructionStart, ProgressReport
from services.registry.models.projects import ProjectPublic
from shared.access import Principal
from shared.contracts.registry import (
    ConstructionCompleted,
    ConstructionStarted,
    ItemProgress,
    ProgressReported,
)
from shared.errors import FieldProblem, RuleViolation


async def start_construction(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: ConstructionStart, now: datetime
) -> ProjectPublic:
    """Works started; announces ConstructionStarted."""
    project = await lock_project(session, actor, project_id)
    begin_step(project, "construction-start", date_field="started_on", on=body.started_on, now=now)
    event = ConstructionStarted(**event_fields(project), started_on=body.started_on)
    data = body.model_dump(mode="json")
    record_step(
        session, actor, project, "construction-start", on=body.started_on, now=now, event=event, data=data
    )
    return await present_current(session, project)


async def report_progress(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: ProgressReport, now: datetime
) -> ProjectPublic:
    """Progress per item of the plan (or of the catalogue where the plan has no plan step)."""
    project = await lock_project(session, actor, project_id)
    profile = begin_step(project, "progress-report", date_field="reported_on", on=body.reported_on, now=now)
    codes = [item.item_code for item in body.items]
    check_items(profile, codes)
    planned = {item["item_code"] for item in project.plan_items}
    outside = [f"items.{i}.item_code" for i, code in enumerate(codes) if planned and code not in planned]
    if outside:
        raise RuleViolation(
            "progress is reported on the items of the approved plan",
            [
                FieldProblem(field, "planned_item", f"planned: {', '.join(sorted(planned))}")
                for field in outside
            ],
        )
    event = ProgressReported(
        **event_fields(project),
        reported_on=body.reported_on,
        items=[ItemProgress(**item.model_dump()) for item in body.items],
        note=body.note,
    )
    data = body.model_dump(mode="json")
    record_step(
        session, actor, project, "progress-report", on=body.reported_on, now=now, event=event, data=data
    )
    return await present_current(session, project)


async def complete_construction(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    body: ConstructionCompletion,
    now: datetime,
) -> ProjectPublic:
    """Works finished (竣工); the project may now be presented for acceptance.

    Refused (409, naming them) while pipeline work assigned in the project is open and not
    exempted by the district: the utilities' works are part of the renovation (Kaifeng 七(三)).
    """
    project = await lock_project(session, actor, project_id)
    begin_step(project, "construction-completion", date_field="completed_on", on=body.completed_on, now=now)
    await check_no_open_work(session, project)
    event = ConstructionCompleted(**event_fields(project), completed_on=body.completed_on)
    data = body.model_dump(mode="json")
    record_step(
        session,
        actor,
        project,
        "construction-completion",
        on=body.completed_on,
        now=now,
        event=event,
        data=data,
    )
    return present(project)

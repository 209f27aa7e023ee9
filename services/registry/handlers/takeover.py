"""Property takeover (PropertyTakenOver) and the ledger close-out (ProjectClosed)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.takeover import check_takeover
from services.registry.handlers.lifecycle import (
    begin_step,
    event_fields,
    lock_project,
    project_size,
    record_step,
)
from services.registry.handlers.projects import present
from services.registry.models.projects import ProjectPublic
from services.registry.models.takeover import CloseOut, PropertyTakeover
from shared.access import Principal
from shared.contracts.registry import ProjectClosed, PropertyTakenOver


async def take_over(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: PropertyTakeover, now: datetime
) -> ProjectPublic:
    """Record who manages the community now, how, and what they commit to."""
    project = await lock_project(session, actor, project_id)
    profile = begin_step(
        project, "property-takeover", date_field="taken_over_on", on=body.taken_over_on, now=now
    )
    commitments = check_takeover(profile, body.mode, body.service_level, body.commitments)
    size = await project_size(session, project)
    event = PropertyTakenOver(
        **event_fields(project),
        taken_over_on=body.taken_over_on,
        mode=body.mode,
        manager=body.manager,
        service_level=body.service_level,
        commitments=commitments,
        floor_area_m2=size.floor_area_m2,
    )
    data = {**body.model_dump(mode="json"), "commitments": commitments}
    record_step(
        session, actor, project, "property-takeover", on=body.taken_over_on, now=now, event=event, data=data
    )
    return present(project)


async def close_out(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: CloseOut, now: datetime
) -> ProjectPublic:
    """Close the project's ledger entry (销号) once its last step (and audit) is done."""
    project = await lock_project(session, actor, project_id)
    begin_step(project, "close-out", date_field="closed_on", on=body.closed_on, now=now)
    project.closed_on = body.closed_on
    event = ProjectClosed(**event_fields(project), closed_on=body.closed_on)
    data = body.model_dump(mode="json")
    record_step(session, actor, project, "close-out", on=body.closed_on, now=now, event=event, data=data)
    return present(project)

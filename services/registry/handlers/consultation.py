"""Recording the residents' consultation and publicity; announces ResidentsConsulted."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.consultation import check_consultation, share_in_favour
from services.registry.handlers.lifecycle import begin_step, event_fields, lock_project, record_step
from services.registry.handlers.projects import present
from services.registry.models.communities import Community
from services.registry.models.consultation import ResidentsConsultation
from services.registry.models.projects import ProjectPublic
from shared.access import Principal
from shared.contracts.registry import ResidentsConsulted


async def consult_residents(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: ResidentsConsultation, now: datetime
) -> ProjectPublic:
    """Record a consultation round (a later round may follow if the first falls short)."""
    project = await lock_project(session, actor, project_id)
    begin_step(project, "residents-consultation", date_field="consulted_on", on=body.consulted_on, now=now)
    community = await session.get(Community, project.community_id)
    households = community.households if community is not None else body.households_consulted
    check_consultation(
        households,
        body.households_consulted,
        body.households_in_favour,
        body.publicity_from,
        body.publicity_to,
        body.consulted_on,
    )
    project.households_consulted = body.households_consulted
    project.households_in_favour = body.households_in_favour
    project.publicity_from = body.publicity_from
    project.publicity_to = body.publicity_to
    event = ResidentsConsulted(
        **event_fields(project),
        **body.model_dump(),
        share_in_favour=share_in_favour(body.households_in_favour, body.households_consulted),
    )
    record_step(
        session,
        actor,
        project,
        "residents-consultation",
        on=body.consulted_on,
        now=now,
        event=event,
        data=body.model_dump(mode="json"),
    )
    return present(project)

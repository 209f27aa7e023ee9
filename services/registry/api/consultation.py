"""Residents' consultation route."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.registry.api.deps import Writer
from services.registry.api.steps import STEP_RESPONSES, run_step
from services.registry.handlers import consultation
from services.registry.models.consultation import ResidentsConsultation
from services.registry.models.projects import ProjectPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["consultation"], responses=STEP_RESPONSES)


@router.post("/projects/{project_id}/residents-consultation", response_model=ProjectPublic)
async def residents_consultation(
    project_id: uuid.UUID,
    body: ResidentsConsultation,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the residents' consultation and publicity (ResidentsConsulted)."""
    return await run_step(
        idempotency, session, lambda: consultation.consult_residents(session, actor, project_id, body, now)
    )

"""Property takeover and ledger close-out routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.registry.api.deps import Writer
from services.registry.api.steps import STEP_RESPONSES, run_step
from services.registry.handlers import takeover
from services.registry.models.projects import ProjectPublic
from services.registry.models.takeover import CloseOut, PropertyTakeover
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["takeover"], responses=STEP_RESPONSES)


@router.post("/projects/{project_id}/property-takeover", response_model=ProjectPublic)
async def property_takeover(
    project_id: uuid.UUID,
    body: PropertyTakeover,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the property takeover (PropertyTakenOver)."""
    return await run_step(
        idempotency, session, lambda: takeover.take_over(session, actor, project_id, body, now)
    )


@router.post("/projects/{project_id}/close-out", response_model=ProjectPublic)
async def close_out(
    project_id: uuid.UUID,
    body: CloseOut,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Close the project's ledger entry, 销号 (ProjectClosed)."""
    return await run_step(
        idempotency, session, lambda: takeover.close_out(session, actor, project_id, body, now)
    )

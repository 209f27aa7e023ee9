"""Acceptance routes: the signed form, a failed inspection, rectification."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.registry.api.deps import Writer
from services.registry.api.steps import STEP_RESPONSES, run_step
from services.registry.handlers import acceptance
from services.registry.models.acceptance import AcceptanceFailure, AcceptanceForm, Rectification
from services.registry.models.projects import ProjectPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["acceptance"], responses=STEP_RESPONSES)


@router.post("/projects/{project_id}/acceptance", response_model=ProjectPublic)
async def accept_project(
    project_id: uuid.UUID,
    body: AcceptanceForm,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the jointly signed acceptance (ProjectAccepted)."""
    return await run_step(
        idempotency, session, lambda: acceptance.accept(session, actor, project_id, body, now)
    )


@router.post("/projects/{project_id}/acceptance-failure", response_model=ProjectPublic)
async def acceptance_failure(
    project_id: uuid.UUID,
    body: AcceptanceFailure,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the defects that fail acceptance (AcceptanceFailed)."""
    return await run_step(
        idempotency, session, lambda: acceptance.fail_acceptance(session, actor, project_id, body, now)
    )


@router.post("/projects/{project_id}/rectification", response_model=ProjectPublic)
async def rectification(
    project_id: uuid.UUID,
    body: Rectification,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record that the defects are rectified (RectificationCompleted)."""
    return await run_step(
        idempotency, session, lambda: acceptance.rectify(session, actor, project_id, body, now)
    )

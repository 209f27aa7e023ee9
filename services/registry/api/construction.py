"""Construction routes: start, progress, completion."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.registry.api.deps import Writer
from services.registry.api.steps import STEP_RESPONSES, run_step
from services.registry.handlers import construction
from services.registry.models.construction import ConstructionCompletion, ConstructionStart, ProgressReport
from services.registry.models.projects import ProjectPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["construction"], responses=STEP_RESPONSES)


@router.post("/projects/{project_id}/construction-start", response_model=ProjectPublic)
async def construction_start(
    project_id: uuid.UUID,
    body: ConstructionStart,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record that works started (ConstructionStarted)."""
    return await run_step(
        idempotency, session, lambda: construction.start_construction(session, actor, project_id, body, now)
    )


@router.post("/projects/{project_id}/progress-report", response_model=ProjectPublic)
async def progress_report(
    project_id: uuid.UUID,
    body: ProgressReport,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Report progress per item (ProgressReported)."""
    return await run_step(
        idempotency, session, lambda: construction.report_progress(session, actor, project_id, body, now)
    )


@router.post("/projects/{project_id}/construction-completion", response_model=ProjectPublic)
async def construction_completion(
    project_id: uuid.UUID,
    body: ConstructionCompletion,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record that works are finished (ConstructionCompleted); 409 while pipeline work is open."""
    return await run_step(
        idempotency,
        session,
        lambda: construction.complete_construction(session, actor, project_id, body, now),
    )

"""Pre-works review and tender routes (where the programme has those steps)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.registry.api.deps import Writer
from services.registry.api.steps import STEP_RESPONSES, run_step
from services.registry.handlers import tendering
from services.registry.models.projects import ProjectPublic
from services.registry.models.tendering import ReviewRecord, TenderAward
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["tendering"], responses=STEP_RESPONSES)


@router.post("/projects/{project_id}/project-approval", response_model=ProjectPublic)
async def project_approval(
    project_id: uuid.UUID,
    body: ReviewRecord,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the project approval, 立项 (ReviewPassed)."""
    return await run_step(
        idempotency,
        session,
        lambda: tendering.pass_review(session, actor, project_id, "project-approval", body, now),
    )


@router.post("/projects/{project_id}/design-review", response_model=ProjectPublic)
async def design_review(
    project_id: uuid.UUID,
    body: ReviewRecord,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the passed design review (ReviewPassed)."""
    return await run_step(
        idempotency,
        session,
        lambda: tendering.pass_review(session, actor, project_id, "design-review", body, now),
    )


@router.post("/projects/{project_id}/cost-review", response_model=ProjectPublic)
async def cost_review(
    project_id: uuid.UUID,
    body: ReviewRecord,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the passed cost review (ReviewPassed)."""
    return await run_step(
        idempotency,
        session,
        lambda: tendering.pass_review(session, actor, project_id, "cost-review", body, now),
    )


@router.post("/projects/{project_id}/tender-award", response_model=ProjectPublic)
async def tender_award(
    project_id: uuid.UUID,
    body: TenderAward,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the tender's award (TenderAwarded)."""
    return await run_step(
        idempotency, session, lambda: tendering.award_tender(session, actor, project_id, body, now)
    )

"""Plan routes: submit a version, approve it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.registry.api.deps import Writer
from services.registry.api.steps import STEP_RESPONSES, run_step
from services.registry.handlers import planning
from services.registry.models.planning import PlanApproval, PlanSubmission
from services.registry.models.projects import ProjectPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["planning"], responses=STEP_RESPONSES)


@router.post("/projects/{project_id}/plan-submission", response_model=ProjectPublic)
async def plan_submission(
    project_id: uuid.UUID,
    body: PlanSubmission,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Submit the plan or a revision, a new version (PlanSubmitted)."""
    return await run_step(
        idempotency, session, lambda: planning.submit_plan(session, actor, project_id, body, now)
    )


@router.post("/projects/{project_id}/plan-approval", response_model=ProjectPublic)
async def plan_approval(
    project_id: uuid.UUID,
    body: PlanApproval,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Approve the latest plan version (PlanApproved)."""
    return await run_step(
        idempotency, session, lambda: planning.approve_plan(session, actor, project_id, body, now)
    )

"""Final-accounts audit route."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.registry.api.deps import Writer
from services.registry.api.steps import STEP_RESPONSES, run_step
from services.registry.handlers import audit
from services.registry.models.audit import FinalAccountsAudit
from services.registry.models.projects import ProjectPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["audit"], responses=STEP_RESPONSES)


@router.post("/projects/{project_id}/final-accounts-audit", response_model=ProjectPublic)
async def final_accounts_audit(
    project_id: uuid.UUID,
    body: FinalAccountsAudit,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the audited investment (FinalAccountsAudited)."""
    return await run_step(
        idempotency, session, lambda: audit.record_final_audit(session, actor, project_id, body, now)
    )

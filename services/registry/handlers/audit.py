"""The final-accounts audit figure, recorded once after the step the profile names (`audit_after`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.investment import check_over_plan
from services.registry.domain.lifecycle import FINAL_AUDIT
from services.registry.handlers.acceptance import planned_investment
from services.registry.handlers.lifecycle import begin_step, event_fields, lock_project, record_step
from services.registry.handlers.projects import present
from services.registry.models.audit import FinalAccountsAudit
from services.registry.models.projects import ProjectPublic
from shared.access import Principal
from shared.contracts.registry import FinalAccountsAudited


async def record_final_audit(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: FinalAccountsAudit, now: datetime
) -> ProjectPublic:
    """Record the audited investment; announces FinalAccountsAudited (funding trues up on it)."""
    project = await lock_project(session, actor, project_id)
    begin_step(project, FINAL_AUDIT, date_field="audited_on", on=body.audited_on, now=now)
    check_over_plan(
        "audited_investment_fen",
        body.audited_investment_fen,
        planned_investment(project),
        confirmed=body.confirm_over_plan,
    )
    project.audited_on = body.audited_on
    project.audited_investment_fen = body.audited_investment_fen
    event = FinalAccountsAudited(
        **event_fields(project),
        audited_investment_fen=body.audited_investment_fen,
        audited_on=body.audited_on,
    )
    data = body.model_dump(mode="json")
    record_step(session, actor, project, FINAL_AUDIT, on=body.audited_on, now=now, event=event, data=data)
    return present(project)

"""Pre-works reviews (approval, design, cost) and the tender award, where the plan has them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.lifecycle import BY_NAME
from services.registry.handlers.lifecycle import begin_step, event_fields, lock_project, record_step
from services.registry.handlers.projects import present
from services.registry.models.projects import ProjectPublic
from services.registry.models.tendering import ReviewRecord, TenderAward
from shared.access import Principal
from shared.contracts.registry import ReviewPassed, TenderAwarded

REVIEWS = ("project-approval", "design-review", "cost-review")


async def pass_review(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    action: str,
    body: ReviewRecord,
    now: datetime,
) -> ProjectPublic:
    """Record that one of the plan's pre-works reviews passed (`action` is one of REVIEWS)."""
    assert action in REVIEWS
    project = await lock_project(session, actor, project_id)
    begin_step(project, action, date_field="done_on", on=body.done_on, now=now)
    event = ReviewPassed(
        **event_fields(project), step=BY_NAME[action].step, passed_on=body.done_on, reference=body.reference
    )
    record_step(
        session,
        actor,
        project,
        action,
        on=body.done_on,
        now=now,
        event=event,
        data=body.model_dump(mode="json"),
    )
    return present(project)


async def award_tender(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: TenderAward, now: datetime
) -> ProjectPublic:
    """Record the tender's award (contractor, supervisor); announces TenderAwarded."""
    project = await lock_project(session, actor, project_id)
    begin_step(project, "tender-award", date_field="awarded_on", on=body.awarded_on, now=now)
    event = TenderAwarded(**event_fields(project), **body.model_dump())
    data = body.model_dump(mode="json")
    record_step(session, actor, project, "tender-award", on=body.awarded_on, now=now, event=event, data=data)
    return present(project)

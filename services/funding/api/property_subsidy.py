"""Property-service subsidy routes: schedule, monthly payments, arrears.

Writes take the funding:read scope as the coarse gate and the fine rule that only the paying
district (its own communities) may write; a dedicated district write scope belongs in
shared/access.py.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.funding.api.deps import ProfilesDep, Reader
from services.funding.handlers import property_subsidy as handlers
from services.funding.models.property_subsidy import (
    ArrearsPublic,
    PaymentCreate,
    ScheduleCreate,
    SchedulePublic,
)
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["property subsidy"])


@router.post("/projects/{project_id}/property-subsidy", response_model=SchedulePublic, status_code=201)
async def create_schedule(
    project_id: uuid.UUID,
    body: ScheduleCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Schedule a taken-over project's property subsidy (the paying district, once)."""
    return await idempotency.run(
        session,
        lambda: handlers.create_schedule(session, actor, project_id, body, now, profiles),
        response_model=SchedulePublic,
        status_code=201,
    )


@router.get("/projects/{project_id}/property-subsidy", response_model=SchedulePublic)
async def read_schedule(
    project_id: uuid.UUID, session: SessionDep, actor: Reader, now: NowDep, profiles: ProfilesDep
) -> object:
    """A project's property-subsidy schedule with what is paid and owed each month."""
    return await handlers.read_schedule(session, actor, project_id, now, profiles)


@router.post(
    "/projects/{project_id}/property-subsidy/payments", response_model=SchedulePublic, status_code=201
)
async def pay_month(
    project_id: uuid.UUID,
    body: PaymentCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record a monthly property-subsidy payment (never above what the month owes)."""
    return await idempotency.run(
        session,
        lambda: handlers.pay_month(session, actor, project_id, body, now, profiles),
        response_model=SchedulePublic,
        status_code=201,
    )


@router.get("/property-subsidy/arrears", response_model=list[ArrearsPublic])
async def arrears(session: SessionDep, actor: Reader, now: NowDep) -> object:
    """Ended months not fully paid, across the schedules the caller may see."""
    return await handlers.list_arrears(session, actor, now)

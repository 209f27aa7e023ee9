"""Weekly report routes: a district files its report; the office sees who is on time, late or missing."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.reporting.api.deps import ProfilesDep, Reader, WeeklyReportProgrammeQuery
from services.reporting.handlers import weekly_reports as handlers
from services.reporting.models.weekly_reports import WeeklyReportCreate, WeeklyReportPublic, WeekReportsPublic
from shared.types import ProcessDate
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["weekly reports"])


@router.post("/weekly-reports", response_model=WeeklyReportPublic, status_code=201)
async def submit_weekly_report(
    body: WeeklyReportCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """File the caller's weekly report (figures and narrative); one per week, late ones marked late."""
    return await idempotency.run(
        session,
        lambda: handlers.submit_weekly_report(session, actor, body, now, profiles),
        response_model=WeeklyReportPublic,
        status_code=201,
    )


@router.get("/weekly-reports", response_model=WeekReportsPublic)
async def week_reports(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    programme: WeeklyReportProgrammeQuery,
    week_of: Annotated[ProcessDate, Query(description="Any day of the ISO week.")],
) -> object:
    """Each reporter's standing for one week: on time, late, missing or not yet due."""
    return await handlers.week_reports(session, actor, programme, week_of, now, profiles)


@router.get("/weekly-reports/{report_id}", response_model=WeeklyReportPublic)
async def read_weekly_report(report_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """One filed weekly report."""
    return await handlers.get_weekly_report(session, actor, report_id)

"""Monthly report routes: a district or department files its month's progress; the office sees who
is on time, late or missing (Zhengzhou 2018 五(二))."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.reporting.api.deps import MonthlyReportProgrammeQuery, ProfilesDep, Reader
from services.reporting.handlers import monthly_reports as handlers
from services.reporting.models.monthly_reports import (
    MonthlyReportCreate,
    MonthlyReportPublic,
    MonthReportsPublic,
)
from shared.types import ProcessDate
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["monthly reports"])


@router.post("/monthly-reports", response_model=MonthlyReportPublic, status_code=201)
async def submit_monthly_report(
    body: MonthlyReportCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """File the caller's monthly progress report; one per month, late ones marked late."""
    return await idempotency.run(
        session,
        lambda: handlers.submit_monthly_report(session, actor, body, now, profiles),
        response_model=MonthlyReportPublic,
        status_code=201,
    )


@router.get("/monthly-reports", response_model=MonthReportsPublic)
async def month_reports(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    programme: MonthlyReportProgrammeQuery,
    month_of: Annotated[ProcessDate, Query(description="Any day of the calendar month.")],
) -> object:
    """Each reporter's standing for one month: on time, late, missing or not yet due."""
    return await handlers.month_reports(session, actor, programme, month_of, now, profiles)


@router.get("/monthly-reports/{report_id}", response_model=MonthlyReportPublic)
async def read_monthly_report(report_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """One filed monthly report."""
    return await handlers.get_monthly_report(session, actor, report_id)

"""Indicator routes: a district reports a measured value; the office sees each against its target."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.reporting.api.deps import ProfilesDep, ProgrammeQuery, Reader
from services.reporting.domain.periods import today
from services.reporting.domain.rollups import requested_span
from services.reporting.handlers import indicators as handlers
from services.reporting.models.indicators import (
    IndicatorReportCreate,
    IndicatorReportPublic,
    IndicatorStanding,
)
from shared.types import ProcessDate
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["indicators"])


@router.post("/indicators/reports", response_model=IndicatorReportPublic, status_code=201)
async def report_indicator(
    body: IndicatorReportCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Report one indicator of the caller's district with the data it comes from."""
    return await idempotency.run(
        session,
        lambda: handlers.submit_indicator_report(session, actor, body, now, profiles),
        response_model=IndicatorReportPublic,
        status_code=201,
    )


@router.get("/indicators", response_model=list[IndicatorStanding])
async def indicator_standings(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    programme: ProgrammeQuery,
    on: Annotated[
        ProcessDate | None, Query(alias="date", description="Judged on this day (default today).")
    ] = None,
) -> object:
    """Each indicator per district against the target in force on the day: met or not met."""
    span = requested_span(None, on, now)
    return await handlers.indicator_standings(
        session, actor, programme, span.end if span else today(now), profiles
    )

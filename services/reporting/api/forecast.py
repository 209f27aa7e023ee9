"""Forecast route: each district's projected year-end completion against the year's target."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.reporting.api.deps import ProfilesDep, ProgrammeQuery, Reader
from services.reporting.domain.forecast import ForecastMethod
from services.reporting.domain.periods import today
from services.reporting.handlers import forecast as handlers
from services.reporting.models.forecast import DistrictForecastPublic
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["forecast"])


@router.get("/forecast", response_model=list[DistrictForecastPublic])
async def district_forecasts(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    programme: ProgrammeQuery,
    year: Annotated[int, Query(ge=1990, le=2100, description="The calendar year forecast.")],
    method: Annotated[
        ForecastMethod, Query(description="linear: the year's pace so far; recent: the last 28 days' pace.")
    ] = ForecastMethod.LINEAR,
) -> object:
    """Projected acceptances by 31 December per district, and who will miss the year's target."""
    return await handlers.district_forecasts(session, actor, programme, year, today(now), method, profiles)

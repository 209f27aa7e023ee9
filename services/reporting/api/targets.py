"""Target routes: each district's progress against the programme's yearly targets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.reporting.api.deps import ProfilesDep, ProgrammeQuery, Reader
from services.reporting.domain.periods import today
from services.reporting.domain.rollups import requested_span
from services.reporting.handlers import targets as handlers
from services.reporting.models.targets import DistrictProgressPublic
from shared.types import ProcessDate
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["targets"])


@router.get("/progress/districts", response_model=list[DistrictProgressPublic])
async def district_progress(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    programme: ProgrammeQuery,
    on: Annotated[
        ProcessDate | None, Query(alias="date", description="As of this day's end (default today).")
    ] = None,
) -> object:
    """Progress against the yearly targets, with the pace still needed, per district."""
    span = requested_span(None, on, now)
    as_of = span.end if span else today(now)
    return await handlers.district_progress(session, actor, programme, as_of, profiles)

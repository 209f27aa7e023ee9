"""Target routes: each district's progress against the programme's yearly targets, and the
central-fund list's progress against its dated milestones (Kaifeng 三)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.reporting.api.deps import ProfilesDep, ProgrammeQuery, Reader
from services.reporting.domain.periods import today
from services.reporting.domain.rollups import requested_span
from services.reporting.handlers import central_list
from services.reporting.handlers import targets as handlers
from services.reporting.models.central_list import CentralListProgressPublic
from services.reporting.models.targets import DistrictProgressPublic
from shared.types import ProcessDate
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["targets"])

AsOfQuery = Annotated[
    ProcessDate | None, Query(alias="date", description="As of this day's end (default today).")
]


@router.get("/progress/districts", response_model=list[DistrictProgressPublic])
async def district_progress(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    programme: ProgrammeQuery,
    on: AsOfQuery = None,
) -> object:
    """Progress against the yearly targets, with the pace still needed, per district."""
    return await handlers.district_progress(session, actor, programme, _as_of(on, now), profiles)


@router.get("/progress/central-list", response_model=CentralListProgressPublic)
async def central_list_progress(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    programme: ProgrammeQuery,
    on: AsOfQuery = None,
) -> object:
    """The centrally funded communities against the plan's dated milestones (Kaifeng 三: all 117
    tendered by 2019-12-31, renovated by 2020-06-30), city-wide and per district, with the pace
    still needed. A plan with no central-fund list answers with no milestones."""
    return await central_list.central_list_progress(session, actor, programme, _as_of(on, now), profiles)


def _as_of(on: date | None, now: datetime) -> date:
    """The day asked about (checked: not after today in Asia/Shanghai), or today."""
    span = requested_span(None, on, now)
    return span.end if span else today(now)

"""Rollup routes: read-only figures per district, now or as of a period's end."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.reporting.api.deps import DistrictPath, OptionalProgrammeQuery, ProgrammeQuery, Reader
from services.reporting.domain.periods import Period
from services.reporting.domain.rollups import requested_span
from services.reporting.handlers import rollups, street_rollups
from services.reporting.models.rollups import DistrictRollupPublic, UtilityRollupPublic
from services.reporting.models.streets import StreetOfficeRollupPublic, StreetProjectPublic
from shared.i18n import negotiate
from shared.types import ProcessDate
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["rollups"])
PeriodQuery = Annotated[
    Period | None, Query(description="day, week (ISO, Monday first) or month, in Asia/Shanghai.")
]
DateQuery = Annotated[
    ProcessDate | None, Query(alias="date", description="A day inside the period (default: today).")
]


@router.get("/rollups/districts", response_model=list[DistrictRollupPublic])
async def list_district_rollups(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    period: PeriodQuery = None,
    on: DateQuery = None,
    programme: OptionalProgrammeQuery = None,
) -> list[DistrictRollupPublic]:
    """Projects registered and accepted, and awards approved, per district (as of a period's end)."""
    return await rollups.district_rollups(session, actor, requested_span(period, on, now), programme)


@router.get("/rollups/districts/{district_code}", response_model=DistrictRollupPublic)
async def read_district_rollup(
    district_code: DistrictPath,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    period: PeriodQuery = None,
    on: DateQuery = None,
    programme: OptionalProgrammeQuery = None,
) -> DistrictRollupPublic:
    """One district's rollup (as of a period's end)."""
    span = requested_span(period, on, now)
    return await rollups.district_rollup(session, actor, district_code, span, programme)


@router.get(
    "/rollups/districts/{district_code}/street-offices", response_model=list[StreetOfficeRollupPublic]
)
async def list_street_office_rollups(
    district_code: DistrictPath,
    request: Request,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    period: PeriodQuery = None,
    on: DateQuery = None,
    programme: OptionalProgrammeQuery = None,
) -> list[StreetOfficeRollupPublic]:
    """One district's ledger and projects by step per street office (as of a period's end)."""
    span = requested_span(period, on, now)
    language = negotiate(request.headers.get("accept-language"))
    return await street_rollups.street_office_rollups(
        session, actor, district_code, span, programme, language
    )


@router.get(
    "/rollups/districts/{district_code}/street-offices/projects", response_model=list[StreetProjectPublic]
)
async def list_street_office_projects(
    district_code: DistrictPath,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    street_office: Annotated[
        str,
        Query(max_length=200, description='The street office\'s name; "" or absent: projects naming none.'),
    ] = "",
    on: DateQuery = None,
    programme: OptionalProgrammeQuery = None,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many projects.")] = 200,
    offset: Annotated[int, Query(ge=0, le=100_000, description="Skip this many first.")] = 0,
) -> list[StreetProjectPublic]:
    """A street office's projects and the days of their steps (as of the end of `date`)."""
    span = requested_span(None, on, now)
    as_of = span.end if span else None
    return await street_rollups.street_office_projects(
        session, actor, district_code, street_office, as_of, programme, limit, offset
    )


@router.get("/rollups/utilities", response_model=list[UtilityRollupPublic])
async def list_utility_rollups(
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    programme: ProgrammeQuery,
    period: PeriodQuery = None,
    on: DateQuery = None,
) -> list[UtilityRollupPublic]:
    """Pipeline work assigned, started, completed and exempted per utility company and district."""
    return await rollups.utility_rollups(session, actor, programme, requested_span(period, on, now))

"""Reporting HTTP routes: read-only rollups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from services.reporting import handlers
from services.reporting.models import DistrictRollupPublic
from shared.access import Principal, Scope
from shared.web.auth import require
from shared.web.deps import SessionDep

router = APIRouter(tags=["rollups"])
Reader = Annotated[Principal, require(Scope.REPORTING_READ)]


@router.get("/rollups/districts", response_model=list[DistrictRollupPublic])
async def list_district_rollups(session: SessionDep, actor: Reader) -> object:
    """Projects registered and accepted, and award approved, per district."""
    return await handlers.list_district_rollups(session, actor)


@router.get("/rollups/districts/{district_code}", response_model=DistrictRollupPublic)
async def read_district_rollup(district_code: str, session: SessionDep, actor: Reader) -> object:
    """One district's rollup."""
    return await handlers.get_district_rollup(session, actor, district_code)

"""Reporting HTTP routes: read-only rollups."""

from __future__ import annotations

from fastapi import APIRouter

from services.reporting import handlers
from services.reporting.models import DistrictRollupPublic
from shared.api import SessionDep

router = APIRouter(tags=["rollups"])


@router.get("/rollups/districts", response_model=list[DistrictRollupPublic])
async def list_district_rollups(session: SessionDep) -> object:
    """Projects registered and accepted, and award approved, per district."""
    return await handlers.list_district_rollups(session)


@router.get("/rollups/districts/{district_code}", response_model=DistrictRollupPublic)
async def read_district_rollup(district_code: str, session: SessionDep) -> object:
    """One district's rollup."""
    return await handlers.get_district_rollup(session, district_code)

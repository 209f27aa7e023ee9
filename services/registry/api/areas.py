"""Demonstration area routes (示范区): designate one from the district's communities, list, read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.registry.api.deps import Reader, Writer
from services.registry.handlers import areas
from services.registry.models.areas import AreaCreate, AreaPublic
from services.registry.models.bounds import MAX_LIMIT, MAX_OFFSET, Code
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["ledger"])


@router.post(
    "/demonstration-areas",
    status_code=status.HTTP_201_CREATED,
    response_model=AreaPublic,
    responses={
        403: {"description": "Only a district designates areas."},
        409: {"description": "A community is already in an area."},
        422: {"description": "Too few communities for the plan, or communities not in the caller's ledger."},
    },
)
async def create_area(
    body: AreaCreate, session: SessionDep, actor: Writer, now: NowDep, idempotency: IdempotencyDep
) -> object:
    """Designate a demonstration area from at least the plan's number of the district's communities."""
    return await idempotency.run(
        session,
        lambda: areas.create_area(session, actor, body, now),
        response_model=AreaPublic,
        status_code=status.HTTP_201_CREATED,
    )


@router.get("/demonstration-areas", response_model=list[AreaPublic])
async def list_areas(
    response: Response,
    session: SessionDep,
    actor: Reader,
    programme_code: Code | None = None,
    district_code: Code | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> object:
    """List the demonstration areas the caller may see, oldest first; total in X-Total-Count."""
    page, total = await areas.list_areas(
        session, actor, programme_code=programme_code, district_code=district_code, limit=limit, offset=offset
    )
    response.headers["X-Total-Count"] = str(total)
    return page


@router.get(
    "/demonstration-areas/{area_id}",
    response_model=AreaPublic,
    responses={404: {"description": "No such area."}},
)
async def read_area(area_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one demonstration area with its communities."""
    return await areas.get_area(session, actor, area_id)

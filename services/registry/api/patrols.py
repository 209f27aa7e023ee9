"""Daily safety patrol routes: record a day's patrol, a project's log, the sites missing one."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.registry.api.deps import Reader, Writer
from services.registry.handlers import patrols
from services.registry.models.bounds import MAX_LIMIT, MAX_OFFSET, Code
from services.registry.models.patrols import MissingPatrol, PatrolLog, PatrolPublic, PatrolRecord
from shared.types import EarliestDate, LatestDate
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["patrols"])
RESPONSES: dict[int | str, dict[str, object]] = {
    403: {"description": "The plan puts patrols on another kind of organisation."},
    404: {"description": "No such project in the caller's district."},
    409: {"description": "No patrols in this programme, works not started, or the day already has one."},
    422: {"description": "A field breaks a rule (named with the rule)."},
}


@router.post(
    "/projects/{project_id}/patrols",
    status_code=status.HTTP_201_CREATED,
    response_model=PatrolPublic,
    responses=RESPONSES,  # type: ignore[arg-type]
)
async def record_patrol(
    project_id: uuid.UUID,
    body: PatrolRecord,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the day's safety patrol of a site under construction (SafetyPatrolRecorded)."""
    return await idempotency.run(
        session,
        lambda: patrols.record_patrol(session, actor, project_id, body, now),
        response_model=PatrolPublic,
        status_code=status.HTTP_201_CREATED,
    )


@router.get("/projects/{project_id}/patrols", response_model=PatrolLog, responses=RESPONSES)  # type: ignore[arg-type]
async def patrol_log(project_id: uuid.UUID, session: SessionDep, actor: Reader, now: NowDep) -> object:
    """The project's patrols and the days of construction without one."""
    return await patrols.patrol_log(session, actor, project_id, now)


@router.get("/patrols/missing", response_model=list[MissingPatrol])
async def missing_patrols(
    response: Response,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    day: Annotated[date, Query(alias="date", ge=EarliestDate, le=LatestDate)],
    programme_code: Code | None = None,
    district_code: Code | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> object:
    """Sites under construction on `date` with no patrol recorded; the total is in X-Total-Count."""
    page, total = await patrols.missing_on(
        session,
        actor,
        day,
        now,
        programme_code=programme_code,
        district_code=district_code,
        limit=limit,
        offset=offset,
    )
    response.headers["X-Total-Count"] = str(total)
    return page

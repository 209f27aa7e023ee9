"""Deadline routes: a project's step deadlines, and the overdue steps the office follows up."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.registry.api.deps import Reader
from services.registry.handlers import deadlines
from services.registry.models.bounds import MAX_LIMIT, MAX_OFFSET, Code
from services.registry.models.deadlines import DeadlinePublic, OverdueStep
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["deadlines"])


@router.get("/projects/overdue", response_model=list[OverdueStep])
async def overdue(
    response: Response,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    programme_code: Code | None = None,
    district_code: Code | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> object:
    """Steps past their profile deadline and not done, earliest due first; total in X-Total-Count."""
    page, total = await deadlines.overdue_steps(
        session,
        actor,
        now,
        programme_code=programme_code,
        district_code=district_code,
        limit=limit,
        offset=offset,
    )
    response.headers["X-Total-Count"] = str(total)
    return page


@router.get(
    "/projects/{project_id}/deadlines",
    response_model=list[DeadlinePublic],
    responses={404: {"description": "No such project for the caller."}},
)
async def project_deadlines(project_id: uuid.UUID, session: SessionDep, actor: Reader, now: NowDep) -> object:
    """The project's step deadlines from its profile and where each stands today."""
    return await deadlines.project_deadlines(session, actor, project_id, now)

"""Project routes: open one, list them (filtered, paged, with a total), read one and its timeline."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import TypeAdapter

from services.registry.api.deps import Reader, Reading, Writer
from services.registry.domain.lifecycle import CLOSE_OUT, Status
from services.registry.handlers import projects
from services.registry.models.bounds import MAX_LIMIT, MAX_OFFSET, Code, TextFilter
from services.registry.models.projects import ProjectCreate, ProjectPublic, StepPublic
from shared.policy import StageCode
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["projects"])
TOTAL_HEADER = "X-Total-Count"
_PROJECT = TypeAdapter(ProjectPublic)
StepFilter = StrEnum(  # type: ignore[misc]
    "StepFilter", {**{code.name: code.value for code in StageCode}, "CLOSE_OUT": CLOSE_OUT}
)


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectPublic)
async def create_project(
    body: ProjectCreate, session: SessionDep, actor: Writer, now: NowDep, idempotency: IdempotencyDep
) -> object:
    """Open a renovation project for an eligible community, at its programme's first step."""
    return await idempotency.run(
        session,
        lambda: projects.register_project(session, actor, body, now),
        response_model=ProjectPublic,
        status_code=status.HTTP_201_CREATED,
    )


@router.get("/projects", response_model=list[ProjectPublic])
async def list_projects(
    response: Response,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    programme_code: Code | None = None,
    district_code: Code | None = None,
    street_office: TextFilter | None = None,
    step: StepFilter | None = None,  # type: ignore[valid-type]
    status: Status | None = None,
    tier: Annotated[Code | None, Query(description="The community's library tier.")] = None,
    demonstration: Annotated[bool | None, Query(description="A demonstration community's.")] = None,
    centrally_funded: Annotated[bool | None, Query(description="On the central-fund list.")] = None,
    overdue: Annotated[bool | None, Query(description="With a step past its deadline.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> object:
    """List the projects the caller may see, oldest first; the total is in X-Total-Count."""
    page, total = await projects.list_projects(
        session,
        actor,
        programme_code=programme_code,
        district_code=district_code,
        street_office=street_office,
        step=step.value if step else None,
        status=status.value if status else None,
        tier=tier,
        demonstration=demonstration,
        centrally_funded=centrally_funded,
        overdue=overdue,
        now=now,
        limit=limit,
        offset=offset,
    )
    response.headers[TOTAL_HEADER] = str(total)
    return page


@router.get("/projects/{project_id}", response_model=ProjectPublic)
async def read_project(project_id: uuid.UUID, read: Reading) -> object:
    """Read one project: its step, status and the actions allowed now."""
    project = await read.run(projects.get_project, read.principal, project_id)
    # Serialised here, once: `present` has just validated it, and FastAPI would validate the
    # returned model again on its way to the same bytes (`response_model` stays for the schema).
    return Response(_PROJECT.dump_json(project), media_type="application/json")


@router.get("/projects/{project_id}/timeline", response_model=list[StepPublic])
async def read_timeline(project_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Every step the project took, oldest first."""
    return await projects.timeline(session, actor, project_id)

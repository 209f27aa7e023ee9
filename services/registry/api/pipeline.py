"""Pipeline work routes: the district assigns and exempts; the utility lists, starts, completes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from services.registry.api.deps import Reader as LedgerReader
from services.registry.api.deps import Writer
from services.registry.domain.pipeline import WorkStatus
from services.registry.handlers import pipeline
from services.registry.models.bounds import MAX_LIMIT, MAX_OFFSET, Code
from services.registry.models.pipeline import (
    PipelineExemptionCreate,
    PipelineExemptionPublic,
    PipelineWorkAssignment,
    PipelineWorkCompletion,
    PipelineWorkPublic,
    PipelineWorkStart,
)
from shared.access import Principal, Scope
from shared.errors import Forbidden
from shared.web.auth import CurrentPrincipal, require
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["pipeline work"])
TOTAL_HEADER = "X-Total-Count"
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such project or work for the caller (another company's work is not found)."},
    409: {"description": "The project is closed, or the work's status does not allow this now."},
    422: {"description": "A field breaks a rule (named with the rule)."},
}
Utility = Annotated[Principal, require(Scope.PIPELINE_REPORT)]


async def _reader(principal: CurrentPrincipal) -> Principal:
    if not {Scope.REGISTRY_READ, Scope.PIPELINE_REPORT} & principal.scopes:
        raise Forbidden(f"this token lacks the scope '{Scope.REGISTRY_READ}' or '{Scope.PIPELINE_REPORT}'")
    return principal


Reader = Annotated[Principal, Depends(_reader)]


@router.post(
    "/projects/{project_id}/pipeline-works",
    status_code=status.HTTP_201_CREATED,
    response_model=PipelineWorkPublic,
    responses=RESPONSES,
)
async def assign_work(
    project_id: uuid.UUID,
    body: PipelineWorkAssignment,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Assign pipeline work in a project to a utility company (PipelineWorkAssigned)."""
    return await idempotency.run(
        session,
        lambda: pipeline.assign_work(session, actor, project_id, body, now),
        response_model=PipelineWorkPublic,
        status_code=status.HTTP_201_CREATED,
    )


@router.post(
    "/projects/{project_id}/pipeline-exemptions",
    status_code=status.HTTP_201_CREATED,
    response_model=PipelineExemptionPublic,
    responses=RESPONSES,
)
async def exempt_works(
    project_id: uuid.UUID,
    body: PipelineExemptionCreate,
    session: SessionDep,
    actor: Writer,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Let construction complete although these works are open, with a reason (PipelineWorkExempted)."""
    return await idempotency.run(
        session,
        lambda: pipeline.exempt_works(session, actor, project_id, body, now),
        response_model=PipelineExemptionPublic,
        status_code=status.HTTP_201_CREATED,
    )


@router.get(
    "/projects/{project_id}/pipeline-exemptions",
    response_model=list[PipelineExemptionPublic],
    responses={404: RESPONSES[404]},
)
async def list_exemptions(project_id: uuid.UUID, session: SessionDep, actor: LedgerReader) -> object:
    """The exemptions recorded in a project, oldest first."""
    return await pipeline.list_exemptions(session, actor, project_id)


@router.get("/pipeline-works", response_model=list[PipelineWorkPublic])
async def list_works(
    response: Response,
    session: SessionDep,
    actor: Reader,
    project_id: uuid.UUID | None = None,
    utility_code: Code | None = None,
    status: WorkStatus | None = None,
    blocking: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> object:
    """List the pipeline work the caller may see, oldest first; the total is in X-Total-Count."""
    page, total = await pipeline.list_works(
        session,
        actor,
        project_id=project_id,
        utility_code=utility_code,
        status=status,
        blocking=blocking,
        limit=limit,
        offset=offset,
    )
    response.headers[TOTAL_HEADER] = str(total)
    return page


@router.get("/pipeline-works/{work_id}", response_model=PipelineWorkPublic, responses=RESPONSES)
async def read_work(work_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one pipeline work the caller may see."""
    return await pipeline.get_work(session, actor, work_id)


@router.post("/pipeline-works/{work_id}/start", response_model=PipelineWorkPublic, responses=RESPONSES)
async def start_work(
    work_id: uuid.UUID,
    body: PipelineWorkStart,
    session: SessionDep,
    actor: Utility,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """The utility company records that its work started (PipelineWorkStarted)."""
    return await idempotency.run(
        session,
        lambda: pipeline.start_work(session, actor, work_id, body, now),
        response_model=PipelineWorkPublic,
    )


@router.post("/pipeline-works/{work_id}/completion", response_model=PipelineWorkPublic, responses=RESPONSES)
async def complete_work(
    work_id: uuid.UUID,
    body: PipelineWorkCompletion,
    session: SessionDep,
    actor: Utility,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """The utility company records that its work is finished (PipelineWorkCompleted)."""
    return await idempotency.run(
        session,
        lambda: pipeline.complete_work(session, actor, work_id, body, now),
        response_model=PipelineWorkPublic,
    )

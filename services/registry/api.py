"""Registry HTTP routes: thin adapters from requests to commands."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.registry import handlers
from services.registry.domain import Stage
from services.registry.models import (
    CommunityCreate,
    CommunityPublic,
    ProjectCreate,
    ProjectPublic,
    StageTransition,
)
from shared.access import Principal, Scope
from shared.web.auth import require
from shared.web.deps import SessionDep

router = APIRouter(tags=["ledger"])
Reader = Annotated[Principal, require(Scope.REGISTRY_READ)]
Writer = Annotated[Principal, require(Scope.REGISTRY_WRITE)]


@router.post("/communities", status_code=status.HTTP_201_CREATED, response_model=CommunityPublic)
async def create_community(body: CommunityCreate, session: SessionDep, actor: Writer) -> object:
    """Register a surveyed community in the ledger of the caller's district."""
    return await handlers.register_community(session, actor, body)


@router.get("/communities/{community_id}", response_model=CommunityPublic)
async def read_community(community_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one community."""
    return await handlers.get_community(session, actor, community_id)


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectPublic)
async def create_project(body: ProjectCreate, session: SessionDep, actor: Writer) -> object:
    """Open a renovation project for a community."""
    return await handlers.register_project(session, actor, body)


@router.get("/projects", response_model=list[ProjectPublic])
async def list_projects(
    session: SessionDep,
    actor: Reader,
    stage: Stage | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> object:
    """List the projects the caller may see (a district sees its own)."""
    return await handlers.list_projects(session, actor, stage, limit, offset)


@router.get("/projects/{project_id}", response_model=ProjectPublic)
async def read_project(project_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one project and its lifecycle stage."""
    return await handlers.get_project(session, actor, project_id)


@router.post("/projects/{project_id}/stage-transitions", response_model=ProjectPublic)
async def transition_project(
    project_id: uuid.UUID, body: StageTransition, session: SessionDep, actor: Writer
) -> object:
    """Move a project to its next lifecycle stage (acceptance needs its date)."""
    return await handlers.advance_project(session, actor, project_id, body)

"""Registry HTTP routes: thin adapters from requests to commands."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.registry import handlers
from services.registry.models import (
    CommunityCreate,
    CommunityPublic,
    ProjectCreate,
    ProjectPublic,
    StageTransition,
)
from shared.api import SessionDep

router = APIRouter(tags=["ledger"])


@router.post("/communities", status_code=status.HTTP_201_CREATED, response_model=CommunityPublic)
async def create_community(body: CommunityCreate, session: SessionDep) -> object:
    """Register a surveyed community in the ledger."""
    return await handlers.register_community(session, body)


@router.get("/communities/{community_id}", response_model=CommunityPublic)
async def read_community(community_id: uuid.UUID, session: SessionDep) -> object:
    """Read one community."""
    return await handlers.get_community(session, community_id)


@router.post("/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectPublic)
async def create_project(body: ProjectCreate, session: SessionDep) -> object:
    """Open a renovation project for a community."""
    return await handlers.register_project(session, body)


@router.get("/projects/{project_id}", response_model=ProjectPublic)
async def read_project(project_id: uuid.UUID, session: SessionDep) -> object:
    """Read one project and its lifecycle stage."""
    return await handlers.get_project(session, project_id)


@router.post("/projects/{project_id}/stage-transitions", response_model=ProjectPublic)
async def transition_project(
    project_id: uuid.UUID, body: StageTransition, session: SessionDep
) -> object:
    """Move a project to its next lifecycle stage (acceptance needs its date)."""
    return await handlers.advance_project(session, project_id, body)

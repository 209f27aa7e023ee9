"""Community routes: register a surveyed community, read one."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.registry.api.deps import Reader, Writer
from services.registry.handlers import communities
from services.registry.models.communities import CommunityCreate, CommunityPublic
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["ledger"])


@router.post("/communities", status_code=status.HTTP_201_CREATED, response_model=CommunityPublic)
async def create_community(body: CommunityCreate, session: SessionDep, actor: Writer, now: NowDep) -> object:
    """Register a surveyed community in the ledger of the caller's district."""
    return await communities.register_community(session, actor, body, now)


@router.get("/communities/{community_id}", response_model=CommunityPublic)
async def read_community(community_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one community."""
    return await communities.get_community(session, actor, community_id)

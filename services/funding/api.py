"""Funding HTTP routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.funding import handlers
from services.funding.models import AwardPublic
from shared.api import SessionDep

router = APIRouter(tags=["awards"])


@router.get("/awards", response_model=list[AwardPublic])
async def list_awards(session: SessionDep, project_id: uuid.UUID | None = None) -> object:
    """List award subsidies, optionally for one project."""
    return await handlers.list_awards(session, project_id)


@router.get("/awards/{award_id}", response_model=AwardPublic)
async def read_award(award_id: uuid.UUID, session: SessionDep) -> object:
    """Read one award subsidy."""
    return await handlers.get_award(session, award_id)

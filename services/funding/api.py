"""Funding HTTP routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from services.funding import handlers
from services.funding.models import AwardPublic
from shared.access import Principal, Scope
from shared.web.auth import require
from shared.web.deps import SessionDep

router = APIRouter(tags=["awards"])
Reader = Annotated[Principal, require(Scope.FUNDING_READ)]
Approver = Annotated[Principal, require(Scope.FUNDING_APPROVE)]


@router.get("/awards", response_model=list[AwardPublic])
async def list_awards(session: SessionDep, actor: Reader, project_id: uuid.UUID | None = None) -> object:
    """List award subsidies the caller may see, optionally for one project."""
    return await handlers.list_awards(session, actor, project_id)


@router.get("/awards/{award_id}", response_model=AwardPublic)
async def read_award(award_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one award subsidy."""
    return await handlers.get_award(session, actor, award_id)


@router.post("/awards/{award_id}/approval", response_model=AwardPublic)
async def approve_award(award_id: uuid.UUID, session: SessionDep, actor: Approver) -> object:
    """Approve a proposed award (Finance only); announces SubsidyApproved."""
    return await handlers.approve_award(session, actor, award_id)

"""Award routes: list and read awards, approve one, list projects without one."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.funding.api.deps import MoneyOfficer, ProfilesDep, Reader
from services.funding.handlers import awards as handlers
from services.funding.models import AwardPublic, NoAwardPublic
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["awards"])


@router.get("/awards", response_model=list[AwardPublic])
async def list_awards(session: SessionDep, actor: Reader, project_id: uuid.UUID | None = None) -> object:
    """List award subsidies the caller may see, optionally for one project."""
    return await handlers.list_awards(session, actor, project_id)


@router.get("/awards/{award_id}", response_model=AwardPublic)
async def read_award(award_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one award subsidy."""
    return await handlers.get_award(session, actor, award_id)


@router.post("/awards/{award_id}/approval", response_model=AwardPublic)
async def approve_award(
    award_id: uuid.UUID,
    session: SessionDep,
    actor: MoneyOfficer,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Approve a proposed award (the programme's approving department only); announces SubsidyApproved."""
    return await idempotency.run(
        session,
        lambda: handlers.approve_award(session, actor, award_id, now, profiles),
        response_model=AwardPublic,
        status_code=200,
    )


@router.get("/no-awards", response_model=list[NoAwardPublic])
async def list_no_awards(session: SessionDep, actor: Reader, project_id: uuid.UUID | None = None) -> object:
    """List accepted projects that earn no city award, each with the reason."""
    return await handlers.list_no_awards(session, actor, project_id)

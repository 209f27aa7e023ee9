"""Central-fund routes (Kaifeng 三, 七(二), 七(三)): Housing proposes a ranked split, Finance approves it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.funding.api.deps import MoneyOfficer, ProfilesDep, Reader
from services.funding.handlers import central_funds as handlers
from services.funding.models.central_funds import AllocationCreate, AllocationPublic, CandidatePublic
from services.funding.models.fields import CentralProgramme
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["central funds"])


@router.post("/central-allocations", response_model=AllocationPublic, status_code=201)
async def propose_allocation(
    body: AllocationCreate,
    session: SessionDep,
    actor: Reader,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Propose a ranked split of central funds over the listed projects (the department the profile names)."""
    return await idempotency.run(
        session,
        lambda: handlers.propose(session, actor, body, now, profiles),
        response_model=AllocationPublic,
        status_code=201,
    )


@router.get("/central-allocations", response_model=list[AllocationPublic])
async def list_allocations(
    session: SessionDep, actor: Reader, profiles: ProfilesDep, programme_code: CentralProgramme | None = None
) -> object:
    """List central-fund allocations, each with its ranked lines."""
    return await handlers.list_allocations(session, actor, programme_code, profiles)


@router.get("/central-allocations/candidates", response_model=list[CandidatePublic])
async def list_candidates(
    session: SessionDep, actor: Reader, profiles: ProfilesDep, programme_code: CentralProgramme
) -> object:
    """What the ranking reads for each project of a programme: approval steps done, progress, need."""
    return await handlers.candidates(session, actor, programme_code, profiles)


@router.get("/central-allocations/{allocation_id}", response_model=AllocationPublic)
async def read_allocation(allocation_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """Read one central-fund allocation with its ranked lines and the projects left out."""
    return await handlers.get_allocation(session, actor, allocation_id)


@router.post("/central-allocations/{allocation_id}/approval", response_model=AllocationPublic)
async def approve_allocation(
    allocation_id: uuid.UUID,
    session: SessionDep,
    actor: MoneyOfficer,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Approve a proposed allocation once (the allocating department): commits each share as a source."""
    return await idempotency.run(
        session,
        lambda: handlers.approve(session, actor, allocation_id, now, profiles),
        response_model=AllocationPublic,
        status_code=200,
    )

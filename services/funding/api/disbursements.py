"""Tranche routes: pay a tranche of an approved award, reverse one, list them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.funding.api.deps import MoneyOfficer, ProfilesDep, Reader
from services.funding.handlers import disbursements as handlers
from services.funding.models import TrancheCreate, TranchePublic, TrancheReversalCreate
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["disbursements"])


@router.post("/awards/{award_id}/tranches", response_model=TranchePublic, status_code=201)
async def pay_tranche(
    award_id: uuid.UUID,
    body: TrancheCreate,
    session: SessionDep,
    actor: MoneyOfficer,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Pay a tranche of an approved award (the programme's paying department); never above what is owed."""
    return await idempotency.run(
        session,
        lambda: handlers.pay_tranche(session, actor, award_id, body, now, profiles),
        response_model=TranchePublic,
        status_code=201,
    )


@router.post("/tranches/{tranche_id}/reversal", response_model=TranchePublic, status_code=201)
async def reverse_tranche(
    tranche_id: uuid.UUID,
    body: TrancheReversalCreate,
    session: SessionDep,
    actor: MoneyOfficer,
    now: NowDep,
    profiles: ProfilesDep,
    idempotency: IdempotencyDep,
) -> object:
    """Reverse a tranche paid in error by a reversal entry (the payment stays on record)."""
    return await idempotency.run(
        session,
        lambda: handlers.reverse_tranche(session, actor, tranche_id, body, now, profiles),
        response_model=TranchePublic,
        status_code=201,
    )


@router.get("/awards/{award_id}/tranches", response_model=list[TranchePublic])
async def list_tranches(award_id: uuid.UUID, session: SessionDep, actor: Reader) -> object:
    """List the tranches and reversals of an award."""
    return await handlers.list_tranches(session, actor, award_id=award_id)

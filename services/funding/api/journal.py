"""Journal routes: the reconciliation of every visible project's derived balances."""

from __future__ import annotations

from fastapi import APIRouter

from services.funding.api.deps import Reader
from services.funding.handlers import journal as handlers
from services.funding.models import Reconciliation
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["journal"])


@router.get("/reconciliation", response_model=Reconciliation)
async def reconciliation(session: SessionDep, actor: Reader, now: NowDep) -> object:
    """Check that each project's balances, derived from the journal, tie out with its award and tranches."""
    return await handlers.reconcile(session, actor, now)

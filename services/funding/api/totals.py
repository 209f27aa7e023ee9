"""Totals routes: awarded, paid and outstanding per district or programme."""

from __future__ import annotations

from fastapi import APIRouter

from services.funding.api.deps import Reader
from services.funding.handlers import totals as handlers
from services.funding.models.totals import FundingTotal, TotalsBy, TotalsCheck
from shared.web.deps import SessionDep

router = APIRouter(tags=["totals"])


@router.get("/totals", response_model=list[FundingTotal])
async def funding_totals(session: SessionDep, actor: Reader, by: TotalsBy = TotalsBy.DISTRICT) -> object:
    """Awarded, paid and outstanding per district (or per programme), summed from the journal."""
    return await handlers.totals(session, actor, by)


@router.get("/totals/check", response_model=TotalsCheck)
async def totals_check(session: SessionDep, actor: Reader) -> object:
    """Check that the district totals and the programme totals each add up to the journal's sums."""
    return await handlers.totals_check(session, actor)

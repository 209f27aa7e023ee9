"""The project funding sheet: one read that traces every yuan of a project."""

from __future__ import annotations

import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain.plans import PlanState
from services.funding.handlers import journal
from services.funding.handlers.awards import adjustments_of
from services.funding.handlers.disbursements import list_tranches
from services.funding.handlers.plans import plans_of
from services.funding.handlers.sources import project_sources
from services.funding.models import (
    Award,
    AwardAdjustmentPublic,
    AwardPublic,
    JournalEntryPublic,
    NoAward,
    NoAwardPublic,
    TranchePublic,
)
from services.funding.models.plans import InvestmentPlanPublic
from services.funding.models.sheets import InvestmentFigures, ProjectFunding
from services.funding.models.sources import SourcesPublic
from shared.access import Principal, sees_district
from shared.errors import NotFound


async def project_funding(session: AsyncSession, actor: Principal, project_id: uuid.UUID) -> ProjectFunding:
    """The sheet of a project funding knows of (404 for an unknown project or another district's)."""
    award = (await session.exec(select(Award).where(Award.project_id == project_id))).first()
    excluded = await session.get(NoAward, project_id)
    plans = await plans_of(session, project_id)
    known = award or excluded or (plans[-1] if plans else None)
    if known is None or not sees_district(actor, known.district_code):
        raise NotFound(f"funding knows no project {project_id}")
    balances = await journal.project_balances(session, project_id)
    adjustments = await adjustments_of(session, award.id) if award else []
    tranches = await list_tranches(session, actor, project_id=project_id)
    entries = await journal.entries_of(session, project_id)
    return ProjectFunding(
        project_id=project_id,
        district_code=known.district_code,
        programme_code=known.programme_code,
        plan=InvestmentFigures(
            planned_investment_fen=_planned(plans, award),
            accepted_investment_fen=award.accepted_investment_fen if award else None,
            audited_investment_fen=award.audited_investment_fen if award else None,
        ),
        plans=plans,
        award=AwardPublic.model_validate(award) if award else None,
        no_award=NoAwardPublic.model_validate(excluded) if excluded else None,
        adjustments=[AwardAdjustmentPublic.model_validate(a) for a in adjustments],
        tranches=[TranchePublic.model_validate(t) for t in tranches],
        journal=[JournalEntryPublic.model_validate(e) for e in entries],
        awarded_fen=balances.awarded_fen,
        paid_fen=balances.paid_fen,
        outstanding_fen=balances.outstanding_fen,
        central_fen=balances.central_fen,
        property_subsidy_scheduled_fen=balances.property_subsidy_scheduled_fen,
        property_subsidy_paid_fen=balances.property_subsidy_paid_fen,
        sources=await _sources(session, actor, project_id),
    )


async def _sources(session: AsyncSession, actor: Principal, project_id: uuid.UUID) -> SourcesPublic | None:
    """The sources view, where funding knows the project's plan or award (else None)."""
    try:
        return await project_sources(session, actor, project_id)
    except NotFound:
        return None


def _planned(plans: list[InvestmentPlanPublic], award: Award | None) -> int | None:
    approved = [p for p in plans if p.state == PlanState.APPROVED]
    if approved:
        return approved[-1].investment_fen
    return award.planned_investment_fen if award else None

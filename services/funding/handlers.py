"""Funding's reactions to events, and its subscription table at the end."""

from __future__ import annotations

import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain import decide_award
from services.funding.models import Award
from services.funding.programmes import award_ratio
from shared.bus.consumer import Handler, ReceivedEvent
from shared.bus.outbox import stage
from shared.clock import utcnow
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted
from shared.errors import NotFoundError


async def approve_award_on_acceptance(session: AsyncSession, event: ReceivedEvent) -> None:
    """An accepted project earns its programme's award; announces SubsidyApproved."""
    accepted = event.payload
    assert isinstance(accepted, ProjectAccepted)
    existing = await session.exec(select(Award).where(Award.project_id == accepted.project_id))
    if existing.first() is not None:
        return  # one award per project, even if acceptance were announced twice
    decision = decide_award(accepted.investment_fen, award_ratio(accepted.programme_code))
    award = Award(
        project_id=accepted.project_id,
        district_code=accepted.district_code,
        programme_code=accepted.programme_code,
        basis_fen=decision.basis_fen,
        ratio=decision.ratio,
        amount_fen=decision.amount_fen,
        status="approved",
        source_event_id=event.id,
        approved_at=utcnow(),
    )
    session.add(award)
    stage(
        session,
        SubsidyApproved(
            award_id=award.id,
            project_id=award.project_id,
            district_code=award.district_code,
            programme_code=award.programme_code,
            basis_fen=award.basis_fen,
            ratio=award.ratio,
            amount_fen=award.amount_fen,
        ),
    )


async def list_awards(session: AsyncSession, project_id: uuid.UUID | None) -> list[Award]:
    query = select(Award).order_by(Award.approved_at)
    if project_id is not None:
        query = query.where(Award.project_id == project_id)
    return list((await session.exec(query)).all())


async def get_award(session: AsyncSession, award_id: uuid.UUID) -> Award:
    award = await session.get(Award, award_id)
    if award is None:
        raise NotFoundError(f"no award {award_id}")
    return award


EVENT_HANDLERS: dict[str, Handler] = {
    ProjectAccepted.TYPE: approve_award_on_acceptance,
}

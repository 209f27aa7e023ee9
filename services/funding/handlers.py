"""Funding's commands, its reactions to events, and its subscription table at the end.

An accepted project gets its award *proposed* by the programme's rule; only Finance approves it,
and the approval announces SubsidyApproved.
"""

from __future__ import annotations

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain import AwardStatus, decide_award
from services.funding.models import Award
from services.funding.programmes import award_terms
from shared import audit
from shared.access import (
    Principal,
    approves_money,
    sees_district,
    system_actor,
    visible_district,
)
from shared.bus.outbox import add_to_outbox
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.clock import utcnow
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted
from shared.errors import ConflictError, FieldProblem, Forbidden, NotFoundError

FUNDING = system_actor("funding")


async def propose_award_on_acceptance(session: AsyncSession, event: ReceivedEvent[ProjectAccepted]) -> None:
    """An accepted project gets its programme's award proposed, for Finance to approve."""
    accepted = event.payload
    existing = await session.exec(select(Award).where(Award.project_id == accepted.project_id))
    if existing.first() is not None:
        return  # one award per project, even if acceptance were announced twice
    terms = award_terms(accepted)
    if terms is None:
        return  # the programme pays no city award for this district
    decision = decide_award(*terms)
    award = Award(
        project_id=accepted.project_id,
        district_code=accepted.district_code,
        programme_code=accepted.programme_code,
        basis_fen=decision.basis_fen,
        ratio=decision.ratio,
        amount_fen=decision.amount_fen,
        status=AwardStatus.PROPOSED,
        source_event_id=event.id,
        proposed_at=utcnow(),
    )
    session.add(award)
    audit.record(
        session,
        FUNDING,
        "award.proposed",
        "award",
        award.id,
        after={"project_id": award.project_id, "amount_fen": award.amount_fen},
    )


async def approve_award(session: AsyncSession, actor: Principal, award_id: uuid.UUID) -> Award:
    """Finance approves a proposed award; announces SubsidyApproved."""
    if not approves_money(actor):
        raise Forbidden("only the Finance bureau approves subsidies")
    award = await get_award(session, actor, award_id)
    if award.status != AwardStatus.PROPOSED:
        raise ConflictError(
            f"award {award_id} is {award.status}, not proposed",
            [FieldProblem("status", "must_be_proposed", f"current status: {award.status}")],
        )
    award.status = AwardStatus.APPROVED
    award.approved_at = utcnow()
    award.approved_by = actor.org_code
    session.add(award)
    add_to_outbox(
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
    audit.record(
        session,
        actor,
        "award.approved",
        "award",
        award.id,
        before={"status": AwardStatus.PROPOSED},
        after={"status": AwardStatus.APPROVED},
    )
    return award


async def list_awards(session: AsyncSession, actor: Principal, project_id: uuid.UUID | None) -> list[Award]:
    query = select(Award).order_by(col(Award.proposed_at))
    if project_id is not None:
        query = query.where(Award.project_id == project_id)
    if (district := visible_district(actor)) is not None:
        query = query.where(Award.district_code == district)
    return list((await session.exec(query)).all())


async def get_award(session: AsyncSession, actor: Principal, award_id: uuid.UUID) -> Award:
    award = await session.get(Award, award_id)
    if award is None or not sees_district(actor, award.district_code):
        raise NotFoundError(f"no award {award_id}")
    return award


SUBSCRIPTIONS = Subscriptions({ProjectAccepted: propose_award_on_acceptance})

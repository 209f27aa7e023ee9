"""Tranches paid against an approved award, and their reversals, by the department the
programme's profile names as payer. Each locks the award row first, so N concurrent tranches are
checked one after another against the journal and the paid total never exceeds the award."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain import awards as award_rules
from services.funding.domain.disbursements import check_reversal, check_tranche
from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.handlers import journal
from services.funding.models import Award, Tranche, TrancheCreate, TrancheKind, TrancheReversalCreate
from shared import audit
from shared.access import Principal, sees_district, visible_district
from shared.bus.outbox import add_to_outbox
from shared.contracts.funding import SubsidyDisbursed, SubsidyDisbursementReversed
from shared.errors import Forbidden, NotFound


async def _locked_award_for_payer(
    session: AsyncSession, actor: Principal, award_id: uuid.UUID, profiles: ProfileLookup
) -> Award:
    award = await session.get(Award, award_id, with_for_update=True)
    if award is None or not sees_district(actor, award.district_code):
        raise NotFound(f"no award {award_id}")
    profile = profiles(award.programme_code)
    if profile is None or not award_rules.may_pay(actor, profile):
        raise Forbidden("only the department the programme names pays its award")
    return award


async def pay_tranche(
    session: AsyncSession,
    actor: Principal,
    award_id: uuid.UUID,
    body: TrancheCreate,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> Tranche:
    """Pay a tranche of an approved award; announces SubsidyDisbursed."""
    award = await _locked_award_for_payer(session, actor, award_id, profiles)
    before = await journal.project_balances(session, award.project_id)
    check_tranche(
        status=award.status,
        amount_fen=body.amount_fen,
        outstanding_fen=before.outstanding_fen,
        paid_on=body.paid_on,
        approved_at=award.approved_at,
        now=now,
    )
    tranche = Tranche(
        award_id=award.id,
        project_id=award.project_id,
        district_code=award.district_code,
        kind=TrancheKind.PAYMENT,
        amount_fen=body.amount_fen,
        paid_on=body.paid_on,
        reference=body.reference,
        recorded_by=actor.org_code,
        recorded_at=now,
    )
    session.add(tranche)
    journal.post_tranche(session, award, tranche, now)
    after = await journal.project_balances(session, award.project_id)
    add_to_outbox(
        session,
        SubsidyDisbursed(
            award_id=award.id,
            project_id=award.project_id,
            district_code=award.district_code,
            programme_code=award.programme_code,
            tranche_id=tranche.id,
            amount_fen=tranche.amount_fen,
            paid_on=tranche.paid_on,
            paid_fen=after.paid_fen,
            outstanding_fen=after.outstanding_fen,
        ),
    )
    audit.record(
        session,
        actor,
        "award.tranche_paid",
        "award",
        award.id,
        before={"paid_fen": before.paid_fen},
        after={"paid_fen": after.paid_fen, "tranche_id": tranche.id},
    )
    return tranche


async def reverse_tranche(
    session: AsyncSession,
    actor: Principal,
    tranche_id: uuid.UUID,
    body: TrancheReversalCreate,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> Tranche:
    """Reverse a tranche paid in error by a reversal entry; announces SubsidyDisbursementReversed."""
    original = await session.get(Tranche, tranche_id)
    if original is None or not sees_district(actor, original.district_code):
        raise NotFound(f"no tranche {tranche_id}")
    award = await _locked_award_for_payer(session, actor, original.award_id, profiles)
    already = (await session.exec(select(Tranche.id).where(Tranche.reverses_id == original.id))).first()
    check_reversal(
        already_reversed=already is not None,
        is_reversal=original.kind == TrancheKind.REVERSAL,
        reversed_on=body.reversed_on,
        paid_on=original.paid_on,
        now=now,
    )
    reversal = Tranche(
        award_id=award.id,
        project_id=award.project_id,
        district_code=award.district_code,
        kind=TrancheKind.REVERSAL,
        amount_fen=original.amount_fen,
        paid_on=body.reversed_on,
        reference=body.reason,
        reverses_id=original.id,
        recorded_by=actor.org_code,
        recorded_at=now,
    )
    session.add(reversal)
    journal.post_tranche(session, award, reversal, now)
    after = await journal.project_balances(session, award.project_id)
    add_to_outbox(
        session,
        SubsidyDisbursementReversed(
            award_id=award.id,
            project_id=award.project_id,
            district_code=award.district_code,
            programme_code=award.programme_code,
            tranche_id=reversal.id,
            reverses_tranche_id=original.id,
            amount_fen=reversal.amount_fen,
            reversed_on=reversal.paid_on,
            paid_fen=after.paid_fen,
            outstanding_fen=after.outstanding_fen,
        ),
    )
    audit.record(
        session,
        actor,
        "award.tranche_reversed",
        "award",
        award.id,
        after={"tranche_id": reversal.id, "reverses_id": original.id, "reason": body.reason},
    )
    return reversal


async def list_tranches(
    session: AsyncSession,
    actor: Principal,
    award_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
) -> list[Tranche]:
    query = select(Tranche).order_by(col(Tranche.recorded_at), col(Tranche.paid_on))
    if award_id is not None:
        query = query.where(Tranche.award_id == award_id)
    if project_id is not None:
        query = query.where(Tranche.project_id == project_id)
    if (district := visible_district(actor)) is not None:
        query = query.where(Tranche.district_code == district)
    return list((await session.exec(query)).all())

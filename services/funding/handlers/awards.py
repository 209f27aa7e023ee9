"""Award commands and reactions: propose on acceptance, re-base or true up on audit, approve.

The rules come from `services.funding.domain.awards` (and through it the programme profile); this
module loads and stores rows, stages events and audit entries. Nothing here commits: the HTTP
unit of work or the consumer commits once around each call.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain import awards as rules
from services.funding.domain.awards import AwaitAudit, AwardStatus, AwardTerms, Figures
from services.funding.domain.programmes import ProfileLookup, bundled_profile
from services.funding.handlers import journal
from services.funding.models import Award, AwardAdjustment, NoAward
from shared import audit
from shared.access import Principal, sees_district, system_actor, visible_district
from shared.bus.outbox import add_to_outbox
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.funding import SubsidyAdjusted, SubsidyApproved
from shared.contracts.registry import FinalAccountsAudited, ProjectAccepted
from shared.errors import FieldProblem, Forbidden, InvalidState, NotFound
from shared.policy import AwardBasis, ProgrammeProfile, award_basis

FUNDING = system_actor("funding")


async def propose_award_on_acceptance(
    session: AsyncSession,
    event: ReceivedEvent[ProjectAccepted],
    profiles: ProfileLookup = bundled_profile,
) -> None:
    """An accepted project gets its programme's award proposed, or a row saying why it gets none."""
    accepted = event.payload
    if await _decided(session, accepted.project_id):
        return  # one decision per project, even if acceptance were announced twice
    profile = profiles(accepted.programme_code)
    excluded = rules.no_award(profile, accepted.programme_code, accepted.district_code)
    if excluded is not None or profile is None:
        _record_no_award(session, accepted, excluded, event)
        return
    figures = Figures(
        planned_fen=accepted.investment_fen,
        accepted_fen=accepted.accepted_investment_fen,
        audited_fen=accepted.audited_investment_fen,
    )
    terms = rules.terms_at_acceptance(profile, figures)
    if isinstance(terms, AwaitAudit):
        audit.record(
            session,
            FUNDING,
            "award.awaiting_audit",
            "project",
            accepted.project_id,
            after={"reason": terms.detail},
        )
        return
    _propose_award(
        session,
        event,
        accepted,
        profile,
        terms,
        planned_investment_fen=figures.planned_fen,
        accepted_investment_fen=figures.accepted_fen,
        audited_investment_fen=figures.audited_fen,
    )


async def true_up_on_audit(
    session: AsyncSession,
    event: ReceivedEvent[FinalAccountsAudited],
    profiles: ProfileLookup = bundled_profile,
) -> None:
    """The audited figure re-bases a proposed award, or trues up an approved one by a signed
    adjustment (SubsidyAdjusted); an award the profile does not true up stays as approved."""
    audited = event.payload
    award = (
        await session.exec(select(Award).where(Award.project_id == audited.project_id).with_for_update())
    ).first()
    profile = profiles(audited.programme_code)
    if award is None:
        await _propose_on_audit(session, event, profile)
        return
    if await _already_applied(session, award, event.id):
        return
    if profile is None or not rules.audit_changes_award(profile):
        audit.record(
            session,
            FUNDING,
            "award.audit_noted",
            "award",
            award.id,
            after={
                "audited_investment_fen": audited.audited_investment_fen,
                "reason": "the programme does not true up the award on the audit",
            },
        )
        return
    terms = rules.terms_on_audit(profile, audited.audited_investment_fen)
    if award.status == AwardStatus.PROPOSED:
        before = {"basis": award.basis, "basis_fen": award.basis_fen, "amount_fen": award.amount_fen}
        award.basis = terms.basis
        award.basis_fen = terms.basis_fen
        award.amount_fen = terms.amount_fen
        award.audited_investment_fen = audited.audited_investment_fen
        session.add(award)
        audit.record(
            session,
            FUNDING,
            "award.rebased",
            "award",
            award.id,
            before=before,
            after={"basis": terms.basis, "basis_fen": terms.basis_fen, "amount_fen": terms.amount_fen},
        )
        return
    previous = await awarded_fen(session, award)
    adjustment = AwardAdjustment(
        award_id=award.id,
        project_id=award.project_id,
        district_code=award.district_code,
        audited_investment_fen=audited.audited_investment_fen,
        previous_amount_fen=previous,
        new_amount_fen=terms.amount_fen,
        adjustment_fen=terms.amount_fen - previous,
        source_event_id=event.id,
        adjusted_at=event.now,
    )
    session.add(adjustment)
    award.audited_investment_fen = audited.audited_investment_fen
    session.add(award)
    await session.flush()
    journal.post_adjustment(session, award, adjustment, event.now)
    add_to_outbox(
        session,
        SubsidyAdjusted(
            award_id=award.id,
            project_id=award.project_id,
            district_code=award.district_code,
            programme_code=award.programme_code,
            adjustment_id=adjustment.id,
            audited_investment_fen=adjustment.audited_investment_fen,
            previous_amount_fen=adjustment.previous_amount_fen,
            new_amount_fen=adjustment.new_amount_fen,
            adjustment_fen=adjustment.adjustment_fen,
            audited_on=audited.audited_on,
        ),
    )
    audit.record(
        session,
        FUNDING,
        "award.trued_up",
        "award",
        award.id,
        before={"amount_fen": previous},
        after={"amount_fen": terms.amount_fen, "adjustment_fen": adjustment.adjustment_fen},
    )


async def approve_award(
    session: AsyncSession,
    actor: Principal,
    award_id: uuid.UUID,
    now: datetime,
    profiles: ProfileLookup = bundled_profile,
) -> Award:
    """The department the programme names approves a proposed award; announces SubsidyApproved.

    The row is locked before its state is read, so of N concurrent approvals one succeeds and
    N−1 get InvalidState (409), and one event is staged.
    """
    award = await session.get(Award, award_id, with_for_update=True)
    if award is None or not sees_district(actor, award.district_code):
        raise NotFound(f"no award {award_id}")
    profile = profiles(award.programme_code)
    if profile is None or not rules.may_approve(actor, profile):
        raise Forbidden("only the department the programme names approves its award")
    if award.status != AwardStatus.PROPOSED:
        raise InvalidState(
            f"award {award_id} is {award.status}, not proposed",
            current=award.status,
            allowed=[],
            errors=[FieldProblem("status", "must_be_proposed", f"current status: {award.status}")],
        )
    award.status = AwardStatus.APPROVED
    award.approved_at = now
    award.approved_by = actor.org_code
    session.add(award)
    journal.post_approval(session, award, now)
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
            basis=award.basis,
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
        raise NotFound(f"no award {award_id}")
    return award


async def list_no_awards(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID | None
) -> list[NoAward]:
    query = select(NoAward).order_by(col(NoAward.decided_at))
    if project_id is not None:
        query = query.where(NoAward.project_id == project_id)
    if (district := visible_district(actor)) is not None:
        query = query.where(NoAward.district_code == district)
    return list((await session.exec(query)).all())


async def adjustments_of(session: AsyncSession, award_id: uuid.UUID) -> list[AwardAdjustment]:
    query = select(AwardAdjustment).where(AwardAdjustment.award_id == award_id)
    return list((await session.exec(query.order_by(col(AwardAdjustment.adjusted_at)))).all())


async def awarded_fen(session: AsyncSession, award: Award) -> int:
    """What the award comes to now: the approved amount plus every adjustment since."""
    return award.amount_fen + sum(a.adjustment_fen for a in await adjustments_of(session, award.id))


async def _decided(session: AsyncSession, project_id: uuid.UUID) -> bool:
    if (await session.exec(select(Award.id).where(Award.project_id == project_id))).first():
        return True
    return await session.get(NoAward, project_id) is not None


async def _already_applied(session: AsyncSession, award: Award, event_id: str) -> bool:
    """A redelivered audit under another envelope id is caught by the inbox; this guards the same
    audit event id applied twice (e.g. replayed into a fresh inbox)."""
    query = select(AwardAdjustment.id).where(AwardAdjustment.source_event_id == event_id)
    return (await session.exec(query)).first() is not None


async def _propose_on_audit(
    session: AsyncSession, event: ReceivedEvent[FinalAccountsAudited], profile: ProgrammeProfile | None
) -> None:
    """An audit with no award yet: propose one where the programme pays on the audited figure."""
    audited = event.payload
    if await session.get(NoAward, audited.project_id) is not None:
        return  # the project earns no award; the audit changes nothing
    if (
        profile is None
        or rules.no_award(profile, audited.programme_code, audited.district_code) is not None
        or award_basis(profile) is not AwardBasis.AUDITED_INVESTMENT
    ):
        audit.record(
            session,
            FUNDING,
            "award.audit_noted",
            "project",
            audited.project_id,
            after={
                "audited_investment_fen": audited.audited_investment_fen,
                "reason": "no award proposed for the project yet",
            },
        )
        return
    terms = rules.terms_on_audit(profile, audited.audited_investment_fen)
    _propose_award(
        session, event, audited, profile, terms, audited_investment_fen=audited.audited_investment_fen
    )


def _propose_award(
    session: AsyncSession,
    event: ReceivedEvent[ProjectAccepted] | ReceivedEvent[FinalAccountsAudited],
    project: ProjectAccepted | FinalAccountsAudited,
    profile: ProgrammeProfile,
    terms: AwardTerms,
    **investments: int | None,
) -> Award:
    """Stage a proposed award for Finance to approve, with its audit entry (one place for both
    the acceptance and the late-audit paths)."""
    award = Award(
        project_id=project.project_id,
        district_code=project.district_code,
        programme_code=project.programme_code,
        basis=terms.basis,
        basis_fen=terms.basis_fen,
        ratio=rules.ratio_of(profile),
        amount_fen=terms.amount_fen,
        **investments,
        status=AwardStatus.PROPOSED,
        source_event_id=event.id,
        proposed_at=event.now,
    )
    session.add(award)
    audit.record(
        session,
        FUNDING,
        "award.proposed",
        "award",
        award.id,
        after={"project_id": award.project_id, "amount_fen": award.amount_fen, "basis": terms.basis},
    )
    return award


def _record_no_award(
    session: AsyncSession,
    accepted: ProjectAccepted,
    excluded: rules.NoAward | None,
    event: ReceivedEvent[ProjectAccepted],
) -> None:
    assert excluded is not None
    session.add(
        NoAward(
            project_id=accepted.project_id,
            district_code=accepted.district_code,
            programme_code=accepted.programme_code,
            reason=excluded.reason,
            detail=excluded.detail,
            source_event_id=event.id,
            decided_at=event.now,
        )
    )

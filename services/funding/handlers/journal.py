"""Posting to the money journal, deriving a project's balances from it, and reconciling them.

The journal is the only source of a balance: the tranche cap, the funding sheet and the
reconciliation all read `project_balances`, never a running total kept beside it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain import journal as rules
from services.funding.domain.awards import AwardStatus
from services.funding.domain.central_funds import CENTRAL_SUBSIDY
from services.funding.models import (
    Award,
    AwardAdjustment,
    JournalEntry,
    ProjectBalances,
    Reconciliation,
    Tranche,
    TrancheKind,
)
from services.funding.models.central_funds import AllocationStatus, CentralAllocation, CentralAllocationLine
from services.funding.models.journal import CentralBalance, PropertySubsidyBalance
from services.funding.models.property_subsidy import SubsidyPayment, SubsidySchedule
from services.funding.models.sources import SourceEntry
from shared.access import Principal, visible_district
from shared.clock import shanghai_date


def _add(
    session: AsyncSession,
    postings: list[rules.Posting],
    *,
    project_id: uuid.UUID,
    district_code: str,
    award_id: uuid.UUID | None,
    reference: uuid.UUID,
    now: datetime,
) -> None:
    """Each posting as one journal row of the project, referenced by the record it moves."""
    for posting in postings:
        session.add(
            JournalEntry(
                project_id=project_id,
                district_code=district_code,
                award_id=award_id,
                movement=posting.movement,
                debit_account=posting.debit,
                credit_account=posting.credit,
                amount_fen=posting.amount_fen,
                reference_id=reference,
                posted_at=now,
            )
        )


def _post(
    session: AsyncSession, award: Award, postings: list[rules.Posting], reference: uuid.UUID, now: datetime
) -> None:
    _add(
        session,
        postings,
        project_id=award.project_id,
        district_code=award.district_code,
        award_id=award.id,
        reference=reference,
        now=now,
    )


def post_central(session: AsyncSession, line: CentralAllocationLine, now: datetime) -> None:
    """Central funds approved for a project: a movement of no award, referenced by its line."""
    _add(
        session,
        rules.central_allocation(line.amount_fen),
        project_id=line.project_id,
        district_code=line.district_code,
        award_id=None,
        reference=line.id,
        now=now,
    )


def post_property_subsidy(
    session: AsyncSession,
    schedule: SubsidySchedule,
    postings: list[rules.Posting],
    reference: uuid.UUID,
    now: datetime,
) -> None:
    """A property-subsidy movement: of no award, referenced by its schedule or payment."""
    _add(
        session,
        postings,
        project_id=schedule.project_id,
        district_code=schedule.district_code,
        award_id=None,
        reference=reference,
        now=now,
    )


def post_approval(session: AsyncSession, award: Award, now: datetime) -> None:
    _post(session, award, rules.approval(award.amount_fen), award.id, now)


def post_adjustment(session: AsyncSession, award: Award, adjustment: AwardAdjustment, now: datetime) -> None:
    _post(session, award, rules.adjustment(adjustment.adjustment_fen), adjustment.id, now)


def post_tranche(session: AsyncSession, award: Award, tranche: Tranche, now: datetime) -> None:
    postings = (
        rules.tranche(tranche.amount_fen)
        if tranche.kind == TrancheKind.PAYMENT
        else rules.tranche_reversal(tranche.amount_fen)
    )
    _post(session, award, postings, tranche.id, now)


async def project_balances(session: AsyncSession, project_id: uuid.UUID) -> rules.Balances:
    """The project's figures, derived from its journal entries (flushes pending postings first)."""
    await session.flush()
    query = (
        select(
            JournalEntry.debit_account,
            JournalEntry.credit_account,
            func.sum(JournalEntry.amount_fen),  # summed in the database: one row per account pair
        )
        .where(JournalEntry.project_id == project_id)
        .group_by(JournalEntry.debit_account, JournalEntry.credit_account)
    )
    return rules.balances((d, c, int(a)) for d, c, a in (await session.exec(query)).all())  # type: ignore[call-overload]


async def entries_of(session: AsyncSession, project_id: uuid.UUID) -> list[JournalEntry]:
    query = select(JournalEntry).where(JournalEntry.project_id == project_id).order_by(col(JournalEntry.id))
    return list((await session.exec(query)).all())


async def reconcile(session: AsyncSession, actor: Principal, now: datetime) -> Reconciliation:
    """Each visible approved award's derived balances checked against its award, adjustments and
    tranches: awarded = approved + adjustments, paid = payments − reversals, and the journal's
    debits equal its credits. A negative true-up after payment leaves the district overpaid
    (`overpaid`, to be recovered): that ties out, it is not an error. `days_outstanding` (Asia/
    Shanghai days since approval while something is still owed) lists payouts lagging approvals."""
    query = select(Award).where(Award.status == AwardStatus.APPROVED).order_by(col(Award.approved_at))
    if (district := visible_district(actor)) is not None:
        query = query.where(Award.district_code == district)
    projects = []
    for award in (await session.exec(query)).all():
        derived = await project_balances(session, award.project_id)
        adjusted = await _sum(session, AwardAdjustment.adjustment_fen, AwardAdjustment.award_id == award.id)
        paid = await _sum(
            session, Tranche.amount_fen, Tranche.award_id == award.id, Tranche.kind == TrancheKind.PAYMENT
        )
        reversed_ = await _sum(
            session, Tranche.amount_fen, Tranche.award_id == award.id, Tranche.kind == TrancheKind.REVERSAL
        )
        problems = []
        if derived.net_fen != 0:
            problems.append(f"journal does not balance: debits − credits = {derived.net_fen}")
        if derived.awarded_fen != award.amount_fen + adjusted:
            problems.append(
                f"awarded {derived.awarded_fen} ≠ approved {award.amount_fen} + adjustments {adjusted}"
            )
        if derived.paid_fen != paid - reversed_:
            problems.append(f"paid {derived.paid_fen} ≠ tranches {paid} − reversals {reversed_}")
        projects.append(
            ProjectBalances(
                project_id=award.project_id,
                district_code=award.district_code,
                awarded_fen=derived.awarded_fen,
                paid_fen=derived.paid_fen,
                outstanding_fen=derived.outstanding_fen,
                overpaid=derived.outstanding_fen < 0,
                approved_at=award.approved_at,
                days_outstanding=_days_outstanding(award, derived.outstanding_fen, now),
                ties_out=not problems,
                problems=problems,
            )
        )
    central = await _central_balances(session, actor)
    property_subsidy = await _property_subsidy_balances(session, actor)
    return Reconciliation(
        ties_out=all(p.ties_out for p in projects)
        and all(c.ties_out for c in central)
        and all(b.ties_out for b in property_subsidy),
        projects=projects,
        central=central,
        property_subsidy=property_subsidy,
    )


async def _property_subsidy_balances(session: AsyncSession, actor: Principal) -> list[PropertySubsidyBalance]:
    """Each visible schedule's figures from the journal against its own total and payments."""
    query = select(SubsidySchedule).order_by(col(SubsidySchedule.created_at))
    if (district := visible_district(actor)) is not None:
        query = query.where(SubsidySchedule.district_code == district)
    out = []
    for schedule in (await session.exec(query)).all():
        derived = await project_balances(session, schedule.project_id)
        payments = await _sum(session, SubsidyPayment.amount_fen, SubsidyPayment.schedule_id == schedule.id)
        out.append(
            PropertySubsidyBalance(
                project_id=schedule.project_id,
                district_code=schedule.district_code,
                journal_scheduled_fen=derived.property_subsidy_scheduled_fen,
                schedule_total_fen=schedule.total_fen,
                journal_paid_fen=derived.property_subsidy_paid_fen,
                payments_fen=payments,
                owed_fen=derived.property_subsidy_scheduled_fen - derived.property_subsidy_paid_fen,
                ties_out=derived.property_subsidy_scheduled_fen == schedule.total_fen
                and derived.property_subsidy_paid_fen == payments
                and derived.net_fen == 0,
            )
        )
    return out


async def _central_balances(session: AsyncSession, actor: Principal) -> list[CentralBalance]:
    """Central funds per project from the journal, the approved allocation lines and the sources."""
    district = visible_district(actor)
    figures: dict[uuid.UUID, list[object]] = {}

    def row(project_id: uuid.UUID, district_code: str) -> list[object]:
        return figures.setdefault(project_id, [district_code, 0, 0, 0])

    journal_query = select(
        JournalEntry.project_id, JournalEntry.district_code, JournalEntry.amount_fen
    ).where(JournalEntry.movement == rules.Movement.CENTRAL_ALLOCATED)
    lines_query = (
        select(
            CentralAllocationLine.project_id,
            CentralAllocationLine.district_code,
            CentralAllocationLine.amount_fen,
        )
        .join(CentralAllocation, CentralAllocation.id == CentralAllocationLine.allocation_id)  # type: ignore[arg-type]
        .where(CentralAllocation.status == AllocationStatus.APPROVED, CentralAllocationLine.amount_fen > 0)
    )
    sources_query = select(SourceEntry.project_id, SourceEntry.district_code, SourceEntry.amount_fen).where(
        SourceEntry.source_code == CENTRAL_SUBSIDY, SourceEntry.kind == "commitment"
    )
    for index, query in ((1, journal_query), (2, lines_query), (3, sources_query)):
        if district is not None:
            query = query.where(query.selected_columns[1] == district)  # type: ignore[attr-defined]
        for project_id, district_code, amount in (await session.exec(query)).all():  # type: ignore[call-overload]
            figures_of = row(project_id, district_code)
            figures_of[index] = int(figures_of[index]) + int(amount)  # type: ignore[call-overload]
    return [
        CentralBalance(
            project_id=project_id,
            district_code=str(values[0]),
            journal_fen=int(values[1]),  # type: ignore[call-overload]
            allocated_fen=int(values[2]),  # type: ignore[call-overload]
            committed_fen=int(values[3]),  # type: ignore[call-overload]
            ties_out=values[1] == values[2] == values[3],
        )
        for project_id, values in sorted(figures.items(), key=lambda item: str(item[0]))
    ]


async def _sum(session: AsyncSession, column: object, *where: object) -> int:
    """SUM in the database (BIGINT → NUMERIC on PostgreSQL, so it cannot overflow), as int."""
    total = (await session.exec(select(func.coalesce(func.sum(column), 0)).where(*where))).one()  # type: ignore[call-overload,arg-type]
    return int(total)


def _days_outstanding(award: Award, outstanding_fen: int, now: datetime) -> int | None:
    if outstanding_fen <= 0 or award.approved_at is None:
        return None
    return (shanghai_date(now) - shanghai_date(award.approved_at)).days

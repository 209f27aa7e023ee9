"""District and programme totals: one grouped query over the journal, so the figures are the
journal's and a sum of many ceiling-sized awards cannot overflow (NUMERIC on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Numeric, case, cast, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain.journal import Account, Movement
from services.funding.models import Award, JournalEntry
from services.funding.models.central_funds import CentralAllocation, CentralAllocationLine
from services.funding.models.property_subsidy import SubsidySchedule
from services.funding.models.totals import FundingTotal, TotalsBy, TotalsCheck
from shared.access import Principal, visible_district


def _signed(account: Account) -> object:
    """+amount where `account` is debited, −amount where credited, else 0 (as NUMERIC)."""
    amount = cast(JournalEntry.amount_fen, Numeric(30, 0))
    return case(
        (JournalEntry.debit_account == account, amount),
        (JournalEntry.credit_account == account, -amount),
        else_=0,
    )


async def totals(session: AsyncSession, actor: Principal, by: TotalsBy) -> list[FundingTotal]:
    """Approved awards, awarded, paid and outstanding (and central funds) per district or programme."""
    group = Award.district_code if by is TotalsBy.DISTRICT else Award.programme_code
    query = (
        select(
            group,
            func.count(func.distinct(JournalEntry.award_id)),
            func.coalesce(func.sum(_signed(Account.AWARD_EXPENSE)), 0),
            func.coalesce(func.sum(_signed(Account.TREASURY)), 0),
        )
        .join(Award, Award.id == JournalEntry.award_id)  # type: ignore[arg-type]
        .group_by(group)
        .order_by(group)
    )
    if (district := visible_district(actor)) is not None:
        query = query.where(Award.district_code == district)
    rows: dict[str, FundingTotal] = {}
    for code, count, awarded, treasury in (await session.exec(query)).all():  # type: ignore[call-overload]
        awarded, paid = int(awarded), -int(treasury)
        key = {"district_code": code} if by is TotalsBy.DISTRICT else {"programme_code": code}
        rows[code] = FundingTotal(
            **key,
            approved_awards=int(count),
            awarded_fen=awarded,
            paid_fen=paid,
            outstanding_fen=awarded - paid,
        )
    for code, central in await _central(session, actor, by):
        key = {"district_code": code} if by is TotalsBy.DISTRICT else {"programme_code": code}
        row = rows.setdefault(
            code, FundingTotal(**key, approved_awards=0, awarded_fen=0, paid_fen=0, outstanding_fen=0)
        )
        row.central_fen = central
    for code, scheduled, paid in await _property_subsidy(session, actor, by):
        key = {"district_code": code} if by is TotalsBy.DISTRICT else {"programme_code": code}
        row = rows.setdefault(
            code, FundingTotal(**key, approved_awards=0, awarded_fen=0, paid_fen=0, outstanding_fen=0)
        )
        row.property_subsidy_scheduled_fen, row.property_subsidy_paid_fen = scheduled, paid
    return [rows[code] for code in sorted(rows)]


async def _property_subsidy(
    session: AsyncSession, actor: Principal, by: TotalsBy
) -> list[tuple[str, int, int]]:
    """The property-service subsidy scheduled and paid, from the journal, per district or, through
    the project's schedule, per programme."""
    group = JournalEntry.district_code if by is TotalsBy.DISTRICT else SubsidySchedule.programme_code
    query = select(
        group,
        func.coalesce(func.sum(_signed(Account.PROPERTY_SUBSIDY_EXPENSE)), 0),
        func.coalesce(func.sum(_signed(Account.DISTRICT_TREASURY)), 0),
    ).where(
        JournalEntry.movement.in_(  # type: ignore[attr-defined]
            (Movement.PROPERTY_SUBSIDY_SCHEDULED, Movement.PROPERTY_SUBSIDY_PAID)
        )
    )
    if by is TotalsBy.PROGRAMME:
        query = query.join(SubsidySchedule, SubsidySchedule.project_id == JournalEntry.project_id)  # type: ignore[arg-type]
    if (district := visible_district(actor)) is not None:
        query = query.where(JournalEntry.district_code == district)
    rows = (await session.exec(query.group_by(group))).all()  # type: ignore[call-overload]
    return [(code, int(scheduled), -int(treasury)) for code, scheduled, treasury in rows]


async def _central(session: AsyncSession, actor: Principal, by: TotalsBy) -> list[tuple[str, int]]:
    """Central funds from the journal, per district, or per programme through their allocation."""
    group = JournalEntry.district_code if by is TotalsBy.DISTRICT else CentralAllocation.programme_code
    query = select(group, func.coalesce(func.sum(_signed(Account.CENTRAL_SUBSIDY)), 0)).where(
        JournalEntry.movement == Movement.CENTRAL_ALLOCATED
    )
    if by is TotalsBy.PROGRAMME:
        query = query.join(
            CentralAllocationLine,
            CentralAllocationLine.id == JournalEntry.reference_id,  # type: ignore[arg-type]
        ).join(CentralAllocation, CentralAllocation.id == CentralAllocationLine.allocation_id)  # type: ignore[arg-type]
    if (district := visible_district(actor)) is not None:
        query = query.where(JournalEntry.district_code == district)
    rows = (await session.exec(query.group_by(group))).all()  # type: ignore[call-overload]
    return [(code, int(total)) for code, total in rows]


async def totals_check(session: AsyncSession, actor: Principal) -> TotalsCheck:
    """District totals, programme totals and the journal's own sums, compared to the fen."""
    by_district = await totals(session, actor, TotalsBy.DISTRICT)
    by_programme = await totals(session, actor, TotalsBy.PROGRAMME)
    query = select(
        func.coalesce(func.sum(_signed(Account.AWARD_EXPENSE)), 0),
        func.coalesce(func.sum(_signed(Account.TREASURY)), 0),
        func.coalesce(func.sum(_signed(Account.CENTRAL_SUBSIDY)), 0),
        func.coalesce(func.sum(_signed(Account.PROPERTY_SUBSIDY_EXPENSE)), 0),
        func.coalesce(func.sum(_signed(Account.DISTRICT_TREASURY)), 0),
    )
    if (district := visible_district(actor)) is not None:
        query = query.where(JournalEntry.district_code == district)
    awarded, treasury, central, scheduled, district_treasury = (
        int(x)
        for x in (await session.exec(query)).one()  # type: ignore[call-overload]
    )
    journal = {
        "awarded_fen": awarded,
        "paid_fen": -treasury,
        "central_fen": central,
        "property_subsidy_scheduled_fen": scheduled,
        "property_subsidy_paid_fen": -district_treasury,
    }
    problems = []
    for name, rows in (("districts", by_district), ("programmes", by_programme)):
        for figure, expected in journal.items():
            summed = sum(getattr(row, figure) for row in rows)
            if summed != expected:
                problems.append(f"{figure}: the {name} add up to {summed}, the journal to {expected}")
    return TotalsCheck(
        ties_out=not problems,
        **journal,
        by_district=by_district,
        by_programme=by_programme,
        problems=problems,
    )

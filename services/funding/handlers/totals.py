"""District and programme totals: one grouped query over the journal, so the figures are the
journal's and a sum of many ceiling-sized awards cannot overflow (NUMERIC on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Numeric, case, cast, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.funding.domain.journal import Account
from services.funding.models import Award, JournalEntry
from services.funding.models.totals import FundingTotal, TotalsBy
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
    """Approved awards, awarded, paid and outstanding per district or per programme."""
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
    out = []
    for code, count, awarded, treasury in (await session.exec(query)).all():  # type: ignore[call-overload]
        awarded, paid = int(awarded), -int(treasury)
        key = {"district_code": code} if by is TotalsBy.DISTRICT else {"programme_code": code}
        out.append(
            FundingTotal(
                **key,
                approved_awards=int(count),
                awarded_fen=awarded,
                paid_fen=paid,
                outstanding_fen=awarded - paid,
            )
        )
    return out

"""Figures per district of one programme as of a day: the shared read the features build on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.models.projections import DistrictDay

__all__ = ["DistrictCounts", "district_counts", "first_recorded_day"]


@dataclass(frozen=True)
class DistrictCounts:
    registered: int = 0
    accepted: int = 0
    accepted_since: int = 0


async def district_counts(
    session: AsyncSession, programme_code: str, as_of: date, since: date | None = None
) -> dict[str, DistrictCounts]:
    """Projects registered and accepted per district by the end of `as_of` (and accepted since `since`)."""
    t = DistrictDay.__table__  # type: ignore[attr-defined]
    since_day = since or as_of
    query = (
        select(
            t.c.district_code,
            func.sum(t.c.registered_projects),
            func.sum(t.c.accepted_projects),
            func.sum(case((t.c.day >= since_day, t.c.accepted_projects), else_=0)),
        )
        .where(t.c.programme_code == programme_code, t.c.day <= as_of)
        .group_by(t.c.district_code)
    )
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return {row[0]: DistrictCounts(int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) for row in rows}


async def first_recorded_day(session: AsyncSession, programme_code: str) -> date | None:
    """The earliest day the programme has figures for: it runs on the platform from then."""
    t = DistrictDay.__table__  # type: ignore[attr-defined]
    query = select(func.min(t.c.day)).where(t.c.programme_code == programme_code)
    return (await session.exec(query)).one()[0]  # type: ignore[call-overload,no-any-return]

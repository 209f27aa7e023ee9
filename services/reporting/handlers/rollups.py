"""Rollup queries: sums of the daily deltas, so "as of" any day is one indexed aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.periods import PeriodSpan
from services.reporting.domain.projections import FIGURES
from services.reporting.domain.rollups import patrol_days_due
from services.reporting.models.projections import DistrictDay
from services.reporting.models.rollups import DistrictFigures, DistrictRollupPublic
from shared.access import Principal, sees_district, visible_district
from shared.errors import NotFound
from shared.policy import UnknownProgrammeError, get_profile

__all__ = ["district_rollup", "district_rollups", "sums_by_district"]


async def district_rollups(
    session: AsyncSession,
    actor: Principal,
    span: PeriodSpan | None = None,
    programme_code: str | None = None,
) -> list[DistrictRollupPublic]:
    """Every district the actor may see that had figures by then, by district code.

    Args:
        session: the request's unit of work.
        actor: the caller; a district sees only itself.
        span: figures as of this period's end (with its own changes in `in_period`); None: now.
        programme_code: only this programme's figures.
    """
    return await _query(session, actor, span, programme_code, visible_district(actor))


async def district_rollup(
    session: AsyncSession,
    actor: Principal,
    district_code: str,
    span: PeriodSpan | None = None,
    programme_code: str | None = None,
) -> DistrictRollupPublic:
    """One district's rollup.

    Raises:
        NotFound: no figures for the district by then, or the actor may not see it (same answer).
    """
    found = []
    if sees_district(actor, district_code):
        found = await _query(session, actor, span, programme_code, district_code)
    if not found:
        raise NotFound(f"no figures for district {district_code}")
    return found[0]


async def _query(
    session: AsyncSession,
    actor: Principal,
    span: PeriodSpan | None,
    programme_code: str | None,
    district_code: str | None,
) -> list[DistrictRollupPublic]:
    t = DistrictDay.__table__  # type: ignore[attr-defined]
    columns: list[Any] = [func.sum(t.c[name]).label(name) for name in FIGURES]
    if span is not None:
        in_period = t.c.day >= span.start
        columns += [func.sum(case((in_period, t.c[name]), else_=0)).label(f"p_{name}") for name in FIGURES]
    query = select(t.c.district_code, func.max(t.c.updated_at).label("updated_at"), *columns)
    if span is not None:
        query = query.where(t.c.day <= span.end)
    if programme_code is not None:
        query = query.where(t.c.programme_code == programme_code)
    if district_code is not None:
        query = query.where(t.c.district_code == district_code)
    query = query.group_by(t.c.district_code).order_by(t.c.district_code)
    rows = (await session.exec(query)).mappings().all()  # type: ignore[call-overload]
    found = [_public(row, span) for row in rows]
    if span is not None and programme_code is not None and _patrols_daily(programme_code):
        due = await _patrol_days_due(session, programme_code, span.end, district_code)
        for rollup in found:
            rollup.patrol_days_due = due.get(rollup.district_code, 0)
            rollup.patrols_missed = max(0, rollup.patrol_days_due - rollup.patrols_recorded)
    return found


def _patrols_daily(programme_code: str) -> bool:
    try:
        return get_profile(programme_code).supervision.daily_patrol is not None
    except UnknownProgrammeError:
        return False


async def _patrol_days_due(
    session: AsyncSession, programme_code: str, as_of: date, district_code: str | None
) -> dict[str, int]:
    """Site-days of patrol due per district: one small read of the days works started or finished."""
    t = DistrictDay.__table__  # type: ignore[attr-defined]
    query = select(t.c.district_code, t.c.day, t.c.started_projects, t.c.completed_projects).where(
        t.c.programme_code == programme_code,
        t.c.day <= as_of,
        (t.c.started_projects != 0) | (t.c.completed_projects != 0),
    )
    if district_code is not None:
        query = query.where(t.c.district_code == district_code)
    by_district: dict[str, list[tuple[date, int, int]]] = {}
    for district, day, started, completed in (await session.exec(query)).all():  # type: ignore[call-overload]
        by_district.setdefault(district, []).append((day, int(started), int(completed)))
    return {district: patrol_days_due(days, as_of) for district, days in by_district.items()}


def _public(row: Any, span: PeriodSpan | None) -> DistrictRollupPublic:
    figures = {name: int(row[name] or 0) for name in FIGURES}
    extra: dict[str, Any] = {}
    if span is not None:
        extra = {
            "period": span.period,
            "period_label": span.label,
            "period_start": span.start,
            "as_of": span.end,
            "in_period": DistrictFigures(**{name: int(row[f"p_{name}"] or 0) for name in FIGURES}),
        }
    return DistrictRollupPublic(
        district_code=row["district_code"], updated_at=row["updated_at"], **figures, **extra
    )


async def sums_by_district(
    session: AsyncSession, programme_code: str, as_of: date, figures: Sequence[str]
) -> dict[str, dict[str, int]]:
    """The named figures per district of one programme, summed up to the end of `as_of`.

    Args:
        session: the unit of work.
        programme_code: the programme.
        as_of: the last day counted.
        figures: names from `FIGURES`.

    Returns:
        district → figure → cumulative value (districts with no row by then are absent).
    """
    t = DistrictDay.__table__  # type: ignore[attr-defined]
    names = [name for name in figures if name in FIGURES]
    query = (
        select(t.c.district_code, *[func.sum(t.c[name]).label(name) for name in names])
        .where(t.c.programme_code == programme_code, t.c.day <= as_of)
        .group_by(t.c.district_code)
    )
    rows = (await session.exec(query)).mappings().all()  # type: ignore[call-overload]
    return {row["district_code"]: {name: int(row[name] or 0) for name in names} for row in rows}

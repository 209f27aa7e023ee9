"""Rollup queries: sums of the monthly and daily deltas, so "as of" any day is one indexed aggregate."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Date, bindparam, case, cast, func, literal, select, union_all
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.periods import PeriodSpan
from services.reporting.domain.projections import FIGURES
from services.reporting.domain.rollups import patrol_days_due
from services.reporting.models.projections import UTILITY_FIGURES, DistrictDay, DistrictMonth, UtilityDay
from services.reporting.models.rollups import (
    DistrictFigures,
    DistrictRollupPublic,
    UtilityFigures,
    UtilityRollupPublic,
)
from shared.access import Principal, sees_district, visible_district
from shared.errors import NotFound
from shared.policy import UnknownProgrammeError, get_profile

__all__ = ["district_rollup", "district_rollups", "sums_by_district", "utility_rollups"]


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
    params: dict[str, Any] = {"programme_code": programme_code, "district_code": district_code}
    shape = _Shape.NOW
    if span is not None:
        last_month = span.end.replace(day=1)
        one_month = span.start == last_month and (span.end + timedelta(days=1)).day == 1
        shape = _Shape.MONTH if one_month else _Shape.DAYS
        params |= {
            "month_start": last_month,
            "period_start": span.start,
            "period_end": span.end,
            "days_from": min(last_month, span.start),
        }
    query = _rollup_statement(shape, programme_code is not None, district_code is not None)
    rows = (await session.exec(query, params=params)).all()  # type: ignore[call-overload]
    found = [_public(row, span) for row in rows]
    if span is not None and programme_code is not None and _patrols_daily(programme_code):
        due = await _patrol_days_due(session, programme_code, span.end, district_code)
        for rollup in found:
            rollup.patrol_days_due = due.get(rollup.district_code, 0)
            rollup.patrols_missed = max(0, rollup.patrol_days_due - rollup.patrols_recorded)
    return found


class _Shape(StrEnum):
    """Which rows a rollup sums: every month (now); month rows only, when the period is exactly one
    calendar month (a month's row is the sum of its days, written in the same transaction); or
    the months before the period's last month plus that month's days (a week, a day)."""

    NOW = "now"
    MONTH = "month"
    DAYS = "days"


@functools.cache
def _rollup_statement(shape: _Shape, by_programme: bool, by_district: bool) -> Any:
    """The rollup of `shape`: a few dozen rows per district, summed per district.

    Built once per shape, its values bound at execution (`month_start`, the period's last month;
    `period_start`, `period_end`, `days_from`, `programme_code`, `district_code`): building this
    statement of fifty-odd sums cost more than running it, and a reused statement keeps its cache
    key. Sums come back as BIGINT, not PostgreSQL's NUMERIC (no Decimal per figure).
    """
    m, d = DistrictMonth.__table__, DistrictDay.__table__  # type: ignore[attr-defined]
    month_start, period_start = bindparam("month_start", type_=Date), bindparam("period_start", type_=Date)
    zero = literal(0, BigInteger)
    if shape is _Shape.MONTH and by_programme:
        return _month_rollup_statement(by_district)
    if shape is _Shape.NOW:
        months = select(m.c.district_code, m.c.updated_at, *[m.c[n].label(n) for n in FIGURES])
        parts = [_filtered(months, m, by_programme, by_district)]
    elif shape is _Shape.MONTH:
        in_period = m.c.month >= period_start
        months = select(
            m.c.district_code,
            m.c.updated_at,
            *[m.c[n].label(n) for n in FIGURES],
            *[case((in_period, m.c[n]), else_=0).label(f"p_{n}") for n in FIGURES],
        ).where(m.c.month <= month_start)
        parts = [_filtered(months, m, by_programme, by_district)]
    else:
        months = select(
            m.c.district_code,
            m.c.updated_at,
            *[m.c[n].label(n) for n in FIGURES],
            *[zero.label(f"p_{n}") for n in FIGURES],
        ).where(m.c.month < month_start)
        in_month, in_period = d.c.day >= month_start, d.c.day >= period_start
        days = select(
            d.c.district_code,
            d.c.updated_at,
            *[case((in_month, d.c[n]), else_=0).label(n) for n in FIGURES],
            *[case((in_period, d.c[n]), else_=0).label(f"p_{n}") for n in FIGURES],
        ).where(d.c.day >= bindparam("days_from", type_=Date), d.c.day <= bindparam("period_end", type_=Date))
        parts = [
            _filtered(months, m, by_programme, by_district),
            _filtered(days, d, by_programme, by_district),
        ]
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    names = [*FIGURES, *([f"p_{n}" for n in FIGURES] if shape is not _Shape.NOW else [])]
    return (
        select(
            rows.c.district_code,
            func.max(rows.c.updated_at).label("updated_at"),
            *[cast(func.sum(rows.c[n]), BigInteger).label(n) for n in names],
        )
        .group_by(rows.c.district_code)
        .order_by(rows.c.district_code)
    )


def _month_rollup_statement(by_district: bool) -> Any:
    """One programme's month: its months' sums up to the month, and the month's own row (the
    period's changes) joined to them, rather than a second set of conditional sums."""
    m = DistrictMonth.__table__  # type: ignore[attr-defined]
    month_start = bindparam("month_start", type_=Date)
    totals = (
        _filtered(
            select(
                m.c.district_code,
                func.max(m.c.updated_at).label("updated_at"),
                *[cast(func.sum(m.c[n]), BigInteger).label(n) for n in FIGURES],
            ).where(m.c.month <= month_start),
            m,
            True,
            by_district,
        )
        .group_by(m.c.district_code)
        .subquery()
    )
    own = m.alias("own")
    joined = totals.outerjoin(
        own,
        (own.c.programme_code == bindparam("programme_code"))
        & (own.c.district_code == totals.c.district_code)
        & (own.c.month == month_start),
    )
    return (
        select(
            totals.c.district_code,
            totals.c.updated_at,
            *[totals.c[n] for n in FIGURES],
            *[func.coalesce(own.c[n], 0).label(f"p_{n}") for n in FIGURES],
        )
        .select_from(joined)
        .order_by(totals.c.district_code)
    )


def _filtered(query: Any, table: Any, by_programme: bool, by_district: bool) -> Any:
    if by_programme:
        query = query.where(table.c.programme_code == bindparam("programme_code"))
    if by_district:
        query = query.where(table.c.district_code == bindparam("district_code"))
    return query


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
    """A row of `_rollup_statement` (district, updated_at, the figures, then the period's) as the
    public model, built without validation: every value is already of its field's type (BIGINT
    sums of NOT NULL columns, the columns' own date types), and validating some sixty figures per
    district was a third of a rollup's CPU. Fields not given keep their defaults (None)."""
    figures = {name: row[i] for i, name in enumerate(FIGURES, start=2)}
    if span is None:
        return DistrictRollupPublic.model_construct(district_code=row[0], updated_at=row[1], **figures)
    changed = {name: row[i] for i, name in enumerate(FIGURES, start=2 + len(FIGURES))}
    return DistrictRollupPublic.model_construct(
        district_code=row[0],
        updated_at=row[1],
        period=span.period,
        period_label=span.label,
        period_start=span.start,
        as_of=span.end,
        in_period=DistrictFigures.model_construct(**changed),
        **figures,
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


async def utility_rollups(
    session: AsyncSession, actor: Principal, programme_code: str, span: PeriodSpan | None = None
) -> list[UtilityRollupPublic]:
    """Each utility company's pipeline work per district the actor may see (as of a period's end).

    Args:
        session: the unit of work.
        actor: the caller; a district sees only its own district.
        programme_code: the programme.
        span: figures as of its end, with its own changes in `in_period`; None: now.
    """
    t = UtilityDay.__table__  # type: ignore[attr-defined]
    columns: list[Any] = [func.sum(t.c[n]).label(n) for n in UTILITY_FIGURES]
    if span is not None:
        columns += [
            func.sum(case((t.c.day >= span.start, t.c[n]), else_=0)).label(f"p_{n}") for n in UTILITY_FIGURES
        ]
    query = select(t.c.district_code, t.c.utility_code, *columns).where(t.c.programme_code == programme_code)
    if span is not None:
        query = query.where(t.c.day <= span.end)
    district = visible_district(actor)
    if district is not None:
        query = query.where(t.c.district_code == district)
    query = query.group_by(t.c.district_code, t.c.utility_code).order_by(t.c.district_code, t.c.utility_code)
    found = []
    for row in (await session.exec(query)).mappings().all():  # type: ignore[call-overload]
        figures = {n: int(row[n] or 0) for n in UTILITY_FIGURES}
        found.append(
            UtilityRollupPublic(
                district_code=row["district_code"],
                utility_code=row["utility_code"],
                open_works=figures["works_assigned"] - figures["works_completed"],
                as_of=span.end if span else None,
                in_period=UtilityFigures(**{n: int(row[f"p_{n}"] or 0) for n in UTILITY_FIGURES})
                if span
                else None,
                **figures,
            )
        )
    return found

"""Street-office rollups: one district's figures per street office, now or as of a period's end."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.periods import PeriodSpan
from services.reporting.domain.projections import STREET_FIGURES
from services.reporting.models.streets import (
    NO_STREET_OFFICE,
    STEP_DAYS,
    ProjectStreet,
    StreetDay,
    StreetOfficeFigures,
    StreetOfficeRollupPublic,
    StreetProjectPublic,
)
from shared.access import Principal, sees_district
from shared.errors import NotFound
from shared.i18n import ENGLISH

__all__ = ["NO_STREET_OFFICE_LABEL", "street_office_projects", "street_office_rollups"]

NO_STREET_OFFICE_LABEL = {"zh-CN": "（未填报街道）", "en": "(no street office given)"}


async def street_office_rollups(
    session: AsyncSession,
    actor: Principal,
    district_code: str,
    span: PeriodSpan | None = None,
    programme_code: str | None = None,
    language: str = "zh-CN",
) -> list[StreetOfficeRollupPublic]:
    """Every street office of a district that had figures by then, by name.

    Args:
        session: the request's unit of work.
        actor: the caller; the office, departments, and that district and its street offices.
        district_code: the district drilled into.
        span: figures as of this period's end (with its own changes in `in_period`); None: now.
        programme_code: only this programme's figures.
        language: the caller's language, for the label of figures with no street office.

    Raises:
        NotFound: the actor may not see the district (the same answer as a district with no figures).
    """
    if not sees_district(actor, district_code):
        raise NotFound(f"no figures for district {district_code}")
    t = StreetDay.__table__  # type: ignore[attr-defined]
    columns: list[Any] = [func.sum(t.c[n]).label(n) for n in STREET_FIGURES]
    if span is not None:
        in_period = t.c.day >= span.start
        columns += [func.sum(case((in_period, t.c[n]), else_=0)).label(f"p_{n}") for n in STREET_FIGURES]
    query = select(t.c.street_office, func.max(t.c.updated_at).label("updated_at"), *columns).where(
        t.c.district_code == district_code
    )
    if programme_code is not None:
        query = query.where(t.c.programme_code == programme_code)
    if span is not None:
        query = query.where(t.c.day <= span.end)
    query = query.group_by(t.c.street_office).order_by(t.c.street_office)
    rows = (await session.exec(query)).mappings().all()  # type: ignore[call-overload]
    none_label = NO_STREET_OFFICE_LABEL["en" if language == ENGLISH else "zh-CN"]
    return [
        StreetOfficeRollupPublic(
            district_code=district_code,
            street_office=row["street_office"],
            street_office_label=row["street_office"]
            if row["street_office"] != NO_STREET_OFFICE
            else none_label,
            updated_at=row["updated_at"],
            as_of=span.end if span else None,
            period_label=span.label if span else None,
            in_period=StreetOfficeFigures(**{n: int(row[f"p_{n}"] or 0) for n in STREET_FIGURES})
            if span
            else None,
            **{n: int(row[n] or 0) for n in STREET_FIGURES},
        )
        for row in rows
    ]


async def street_office_projects(
    session: AsyncSession,
    actor: Principal,
    district_code: str,
    street_office: str,
    as_of: date | None = None,
    programme_code: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[StreetProjectPublic]:
    """The projects of one street office registered by then, by name, with the days of their steps.

    Args:
        session: the request's unit of work.
        actor: the caller; the office, departments, and that district and its street offices.
        district_code: the district.
        street_office: the office as the registry names it ("" for projects that name none).
        as_of: the last day counted (a step after it shows as not reached); None: now.
        programme_code: only this programme's projects.
        limit: at most this many projects.
        offset: skip this many first.

    Raises:
        NotFound: the actor may not see the district.
    """
    if not sees_district(actor, district_code):
        raise NotFound(f"no figures for district {district_code}")
    t = ProjectStreet.__table__  # type: ignore[attr-defined]
    query = select(t).where(t.c.district_code == district_code, t.c.street_office == street_office)
    if programme_code is not None:
        query = query.where(t.c.programme_code == programme_code)
    if as_of is not None:
        query = query.where(t.c.registered_on.is_(None) | (t.c.registered_on <= as_of))
    query = query.order_by(t.c.name, t.c.project_id).limit(limit).offset(offset)
    rows = (await session.exec(query)).mappings().all()  # type: ignore[call-overload]
    days = ("registered_on", *STEP_DAYS.values())

    def seen(day: date | None) -> date | None:
        return day if day is None or as_of is None or day <= as_of else None

    return [
        StreetProjectPublic(
            project_id=row["project_id"],
            name=row["name"],
            district_code=row["district_code"],
            street_office=row["street_office"],
            **{d: seen(row[d]) for d in days},
        )
        for row in rows
    ]

"""Indicator reports: a district files a measurement; everyone reads the standing against target.

Filing is one conditional INSERT (`ON CONFLICT DO NOTHING RETURNING`): two filings of the same
indicator for the same day give one report and a 409, never two values for one day.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.indicators import check_report, judge, measured_value, reported_indicator
from services.reporting.domain.periods import today
from services.reporting.domain.programmes import Profiles, bound_districts, programme
from services.reporting.models.indicators import (
    IndicatorReport,
    IndicatorReportCreate,
    IndicatorReportPublic,
    IndicatorStanding,
)
from shared import audit
from shared.access import Principal, sees_district
from shared.db.dialect_insert import insert_once
from shared.errors import Conflict, FieldProblem, Forbidden, RuleViolation
from shared.policy import get_profile, indicators_for

__all__ = ["indicator_standings", "submit_indicator_report"]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _public(row: IndicatorReport) -> IndicatorReportPublic:
    return IndicatorReportPublic(
        id=row.id,
        programme_code=row.programme_code,
        district_code=row.district_code,
        indicator_code=row.indicator_code,
        measured_on=row.measured_on,
        numerator=_text(Decimal(row.numerator)) or "0",
        denominator=_text(Decimal(row.denominator)) if row.denominator is not None else None,
        value=_text(Decimal(row.value)) or "0",
        source=row.source,
        reported_at=row.reported_at,
        reported_by=row.reported_by,
    )


async def submit_indicator_report(
    session: AsyncSession,
    actor: Principal,
    body: IndicatorReportCreate,
    now: datetime,
    profiles: Profiles = get_profile,
) -> IndicatorReportPublic:
    """File a district's measurement of one indicator (its own district only).

    Raises:
        Forbidden: the caller is not a district or one of its street offices.
        RuleViolation: unknown programme or indicator, a measurement dated in the future, a rate
            without its denominator or above it.
        Conflict: the district already reported this indicator for that day.
    """
    if not actor.is_district_bound or actor.district_code is None:
        raise Forbidden("indicator values are reported by the district they measure")
    profile = programme(profiles, body.programme_code)
    rule = reported_indicator(profile, actor.district_code, body.indicator_code)
    if body.measured_on > today(now):
        raise RuleViolation(
            f"{body.measured_on} has not come yet",
            [FieldProblem("measured_on", "not_in_future", f"on or before {today(now)} (Asia/Shanghai)")],
        )
    check_report(rule, body.numerator, body.denominator)
    row = IndicatorReport(
        id=uuid.uuid4(),
        programme_code=profile.code,
        district_code=actor.district_code,
        indicator_code=rule.code,
        measured_on=body.measured_on,
        numerator=body.numerator,
        denominator=body.denominator,
        value=measured_value(rule, body.numerator, body.denominator),
        source=body.source,
        reported_at=now,
        reported_by=actor.subject,
    )
    key = ("programme_code", "district_code", "indicator_code", "measured_on")
    if not await insert_once(session, row, key):
        raise Conflict(f"{row.district_code} already reported {rule.code} for {row.measured_on}")
    audit.record(
        session,
        actor,
        "indicator.reported",
        "indicator_report",
        row.id,
        after={"indicator": rule.code, "measured_on": row.measured_on.isoformat(), "value": str(row.value)},
    )
    return _public(row)


async def indicator_standings(
    session: AsyncSession,
    actor: Principal,
    programme_code: str,
    on: date,
    profiles: Profiles = get_profile,
) -> list[IndicatorStanding]:
    """Each indicator of each district the actor may see, judged on `on` (its latest value then)."""
    profile = programme(profiles, programme_code, field="programme")
    query = select(IndicatorReport).where(
        IndicatorReport.programme_code == profile.code,  # type: ignore[arg-type]
        IndicatorReport.measured_on <= on,  # type: ignore[arg-type,operator]
    )
    latest: dict[tuple[str, str], IndicatorReport] = {}
    last_year: dict[tuple[str, str], IndicatorReport] = {}
    for (row,) in (await session.exec(query)).all():  # type: ignore[call-overload]
        key = (row.district_code, row.indicator_code)
        if key not in latest or row.measured_on > latest[key].measured_on:
            latest[key] = row
        if row.measured_on.year == on.year - 1 and (
            key not in last_year or row.measured_on > last_year[key].measured_on
        ):
            last_year[key] = row
    out = []
    for district in sorted({*bound_districts(profile), *(d for d, _ in latest)}):
        if not sees_district(actor, district):
            continue
        for rule in indicators_for(profile, district):
            report = latest.get((district, rule.code))
            before = last_year.get((district, rule.code))
            value = Decimal(report.value) if report else None
            previous = Decimal(before.value) if before else None
            verdict = judge(profile, rule, value, on, previous)
            out.append(
                IndicatorStanding(
                    programme_code=profile.code,
                    district_code=district,
                    indicator_code=rule.code,
                    name_zh=rule.name_zh,
                    name_en=rule.name_en,
                    unit=rule.unit.value,
                    comparison=rule.comparison.value,
                    binding=rule.binding,
                    clause=rule.clause,
                    on=on,
                    target=_text(verdict.threshold),
                    target_upper=_text(verdict.upper),
                    target_by=verdict.due_by,
                    status=verdict.status,
                    value=_text(value),
                    previous_year_value=_text(verdict.previous),
                    report=_public(report) if report else None,
                )
            )
    return out

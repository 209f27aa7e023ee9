"""Monthly progress reports: a district or department files its month's report; the office sees
who is on time, late or missing (Zhengzhou 2018 五(二)).

Filing is one conditional INSERT (`ON CONFLICT DO NOTHING RETURNING`), so two concurrent filings of
one month give one report and a 409.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.monthly_reports import (
    MonthDue,
    MonthlyReporter,
    check_month,
    expected_monthly_reporters,
    month_due,
    monthly_reporter_for,
)
from services.reporting.domain.programmes import Profiles, programme
from services.reporting.domain.weekly_reports import report_status, sees_report
from services.reporting.handlers.report_filing import filed_columns
from services.reporting.models.monthly_reports import (
    MonthlyReport,
    MonthlyReportCreate,
    MonthlyReportPublic,
    MonthReportsPublic,
    ReporterMonth,
)
from shared import audit
from shared.access import Principal
from shared.db.dialect_insert import insert_once
from shared.errors import Conflict, NotFound
from shared.policy import get_profile

__all__ = ["get_monthly_report", "month_reports", "submit_monthly_report"]


async def submit_monthly_report(
    session: AsyncSession,
    actor: Principal,
    body: MonthlyReportCreate,
    now: datetime,
    profiles: Profiles = get_profile,
) -> MonthlyReportPublic:
    """File the caller's report for the month containing `month_of`; late is recorded as late.

    Raises:
        Forbidden: the caller is neither a district nor a department.
        RuleViolation: unknown programme, no monthly report in its plan, not a reporter, future month.
        Conflict: the caller already filed this month's report (a report is never edited).
    """
    profile = programme(profiles, body.programme_code)
    reporter = monthly_reporter_for(profile, actor)
    due = month_due(profile, body.month_of)
    check_month(due, now)
    row = MonthlyReport(
        id=uuid.uuid4(),
        programme_code=profile.code,
        month_start=due.month.start,
        month=due.month.label,
        **filed_columns(body, reporter.code, reporter.district_code, due, actor, now),
    )
    if not await insert_once(session, row, ("programme_code", "month_start", "reporter_code")):
        raise Conflict(f"{reporter.code} already filed the report of {due.month.label}")
    audit.record(
        session,
        actor,
        "monthly_report.submitted",
        "monthly_report",
        row.id,
        after={
            "programme_code": row.programme_code,
            "month": row.month,
            "reporter": row.reporter_code,
            "status": row.status,
        },
    )
    return MonthlyReportPublic.model_validate(row, from_attributes=True)


async def get_monthly_report(
    session: AsyncSession, actor: Principal, report_id: uuid.UUID
) -> MonthlyReportPublic:
    """One filed report (a district reads only its own district's)."""
    row = await session.get(MonthlyReport, report_id)
    if row is None or not sees_report(actor, row.district_code):
        raise NotFound(f"no monthly report {report_id}")
    return MonthlyReportPublic.model_validate(row, from_attributes=True)


async def month_reports(
    session: AsyncSession,
    actor: Principal,
    programme_code: str,
    month_of: date,
    now: datetime,
    profiles: Profiles = get_profile,
) -> MonthReportsPublic:
    """Every reporter's standing for one month: on time, late, missing or not yet due."""
    profile = programme(profiles, programme_code, field="programme")
    due = month_due(profile, month_of)
    filed = {r.reporter_code: r for r in await _filed(session, profile.code, due)}
    reporters = {r.code: r for r in expected_monthly_reporters(profile)}
    reporters.update({code: MonthlyReporter(code, r.district_code) for code, r in filed.items()})
    lines = []
    for code, reporter in sorted(reporters.items()):
        if not sees_report(actor, reporter.district_code):
            continue
        report = filed.get(code)
        received = report.submitted_at if report else None
        lines.append(
            ReporterMonth(
                reporter_code=code,
                district_code=reporter.district_code,
                status=report_status(due, received, now),
                report_id=report.id if report else None,
                submitted_at=received,
            )
        )
    return MonthReportsPublic(
        programme_code=profile.code,
        month=due.month.label,
        month_start=due.month.start,
        due_on=due.due_on,
        deadline=due.deadline,
        reporters=lines,
    )


async def _filed(session: AsyncSession, programme_code: str, due: MonthDue) -> list[MonthlyReport]:
    query = select(MonthlyReport).where(
        MonthlyReport.programme_code == programme_code,  # type: ignore[arg-type]
        MonthlyReport.month_start == due.month.start,  # type: ignore[arg-type]
    )
    return [row[0] for row in (await session.exec(query)).all()]  # type: ignore[call-overload]

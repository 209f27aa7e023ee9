"""Weekly reports: a district, street office or department files its week's report; the overdue ones
are flagged once each.

Filing and flagging are each one conditional INSERT (`ON CONFLICT DO NOTHING RETURNING`), so two
concurrent filings of one week give one report and a 409, and two replicas sweeping at once
emit one `WeeklyReportOverdue` per missing report.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.programmes import Profiles, programme
from services.reporting.domain.weekly_reports import (
    ReportDue,
    Reporter,
    check_week,
    expected_reporters,
    last_due_week,
    report_due,
    report_status,
    reporter_for,
    sees_report,
)
from services.reporting.handlers.figures import first_recorded_day
from services.reporting.handlers.report_filing import filed_columns
from services.reporting.models.weekly_reports import (
    OverdueReport,
    ReporterWeek,
    WeeklyReport,
    WeeklyReportCreate,
    WeeklyReportPublic,
    WeekReportsPublic,
)
from shared import audit
from shared.access import Principal
from shared.bus.outbox import add_to_outbox
from shared.contracts.reporting import WeeklyReportOverdue
from shared.db.dialect_insert import insert_for, insert_once
from shared.errors import Conflict, NotFound
from shared.policy import Party, ProgrammeProfile, bundled_profiles, get_profile

__all__ = ["flag_overdue_reports", "get_weekly_report", "submit_weekly_report", "week_reports"]

OVERDUE_LOOKBACK_WEEKS = 4
"""How many past report weeks a sweep checks, so a service down for a while still flags them."""


async def submit_weekly_report(
    session: AsyncSession,
    actor: Principal,
    body: WeeklyReportCreate,
    now: datetime,
    profiles: Profiles = get_profile,
) -> WeeklyReportPublic:
    """File the caller's weekly report for the week containing `week_of`; late is recorded as late.

    Raises:
        Forbidden: the caller is not a district, street office or department.
        RuleViolation: unknown programme, no weekly report in its plan, not a reporter, future week.
        Conflict: the caller already filed this week's report (a report is never edited).
    """
    profile = programme(profiles, body.programme_code)
    reporter = reporter_for(profile, actor)
    due = report_due(profile, body.week_of)
    check_week(due, now)
    row = WeeklyReport(
        id=uuid.uuid4(),
        programme_code=profile.code,
        week_start=due.week.start,
        week=due.week.label,
        **filed_columns(body, reporter.code, reporter.district_code, due, actor, now),
    )
    if not await insert_once(session, row, ("programme_code", "week_start", "reporter_code")):
        raise Conflict(f"{reporter.code} already filed the report of {due.week.label}")
    audit.record(session, actor, "weekly_report.submitted", "weekly_report", row.id, after=_summary(row))
    return WeeklyReportPublic.model_validate(row, from_attributes=True)


def _summary(row: WeeklyReport) -> dict[str, object]:
    return {
        "programme_code": row.programme_code,
        "week": row.week,
        "reporter": row.reporter_code,
        "status": row.status,
    }


async def get_weekly_report(
    session: AsyncSession, actor: Principal, report_id: uuid.UUID
) -> WeeklyReportPublic:
    """One filed report (a district reads only its own district's; a department's, not at all)."""
    row = await session.get(WeeklyReport, report_id)
    if row is None or not sees_report(actor, row.district_code):
        raise NotFound(f"no weekly report {report_id}")
    return WeeklyReportPublic.model_validate(row, from_attributes=True)


async def week_reports(
    session: AsyncSession,
    actor: Principal,
    programme_code: str,
    week_of: date,
    now: datetime,
    profiles: Profiles = get_profile,
) -> WeekReportsPublic:
    """Every reporter's standing for one week: on time, late, missing or not yet due."""
    profile = programme(profiles, programme_code, field="programme")
    due = report_due(profile, week_of)
    filed = {r.reporter_code: r for r in await _filed(session, profile.code, due)}
    reporters = {r.code: r.district_code for r in await _owing(session, profile, due)}
    reporters.update({code: r.district_code for code, r in filed.items()})
    lines = []
    for code, district in sorted(reporters.items()):
        if not sees_report(actor, district):
            continue
        report = filed.get(code)
        received = report.submitted_at if report else None
        lines.append(
            ReporterWeek(
                reporter_code=code,
                district_code=district,
                status=report_status(due, received, now),
                report_id=report.id if report else None,
                submitted_at=received,
            )
        )
    return WeekReportsPublic(
        programme_code=profile.code,
        week=due.week.label,
        week_start=due.week.start,
        due_on=due.due_on,
        deadline=due.deadline,
        reporters=lines,
    )


async def _owing(session: AsyncSession, profile: ProgrammeProfile, due: ReportDue) -> list[Reporter]:
    """Who owes the week's report: the reporters the profile lists, and, where the plan makes street
    offices report without naming them (Zhongyuan 2013 五(二)7 各街道办事处), every street office
    that filed a report of this programme for an earlier week (platform reading: an office that
    reported once is expected every week after, so its silence is listed missing)."""
    found = {r.code: r for r in expected_reporters(profile)}
    report = profile.supervision.weekly_report
    names_none = not any(d.street_offices for d in profile.jurisdiction.districts)
    if report is not None and Party.STREET_OFFICE in report.reporters and names_none:
        query = (
            select(WeeklyReport.reporter_code, WeeklyReport.district_code)
            .where(
                WeeklyReport.programme_code == profile.code,  # type: ignore[arg-type]
                WeeklyReport.week_start < due.week.start,  # type: ignore[arg-type]
                WeeklyReport.district_code.is_not(None),  # type: ignore[union-attr]
                WeeklyReport.reporter_code != WeeklyReport.district_code,  # type: ignore[arg-type]
            )
            .distinct()
        )
        for code, district in (await session.exec(query)).all():  # type: ignore[call-overload]
            found.setdefault(code, Reporter(code, district))
    return sorted(found.values(), key=lambda r: r.code)


async def _filed(session: AsyncSession, programme_code: str, due: ReportDue) -> list[WeeklyReport]:
    query = select(WeeklyReport).where(
        WeeklyReport.programme_code == programme_code, WeeklyReport.week_start == due.week.start
    )
    return [row[0] for row in (await session.exec(query)).all()]  # type: ignore[call-overload]


async def flag_overdue_reports(
    session: AsyncSession, now: datetime, profiles: Mapping[str, ProgrammeProfile] | None = None
) -> list[WeeklyReportOverdue]:
    """Flag every report due and not filed, once, and announce each with `WeeklyReportOverdue`.

    Only programmes the platform runs (those with figures here) are checked, for report days on
    or after their first recorded day, over the last `OVERDUE_LOOKBACK_WEEKS` weeks whose deadline has passed.

    Returns:
        The events staged by this call (none for reports flagged before).
    """
    staged: list[WeeklyReportOverdue] = []
    for profile in (profiles or bundled_profiles()).values():
        if profile.supervision.weekly_report is None:
            continue
        first_day = await first_recorded_day(session, profile.code)
        if first_day is None:
            continue
        latest = last_due_week(profile, now)
        for weeks_back in range(OVERDUE_LOOKBACK_WEEKS):
            due = report_due(profile, latest.week.start - timedelta(weeks=weeks_back))
            if due.due_on < first_day:
                break  # the programme had no figures here yet when this report was due
            filed = {r.reporter_code for r in await _filed(session, profile.code, due)}
            for reporter in await _owing(session, profile, due):
                if reporter.code in filed:
                    continue
                if await _flag_once(session, profile.code, due, reporter.code, reporter.district_code, now):
                    event = WeeklyReportOverdue(
                        programme_code=profile.code,
                        reporter_code=reporter.code,
                        district_code=reporter.district_code,
                        week=due.week.label,
                        due_on=due.due_on,
                        deadline=due.deadline,
                    )
                    add_to_outbox(session, event)
                    staged.append(event)
    return staged


async def _flag_once(
    session: AsyncSession,
    programme_code: str,
    due: ReportDue,
    reporter: str,
    district: str | None,
    now: datetime,
) -> bool:
    table = OverdueReport.__table__
    statement = (
        insert_for(session)(table)
        .values(
            programme_code=programme_code,
            week_start=due.week.start,
            reporter_code=reporter,
            district_code=district,
            flagged_at=now,
        )
        .on_conflict_do_nothing(index_elements=["programme_code", "week_start", "reporter_code"])
        .returning(table.c.reporter_code)
    )
    return (await session.exec(statement)).first() is not None  # type: ignore[call-overload]

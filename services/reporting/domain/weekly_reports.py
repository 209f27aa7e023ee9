"""Weekly progress reports: who reports, on which weekday, and when a report is late or missing.

The weekday comes from the profile (`shared.policy.weekly_report_weekday`): Friday for Zhengzhou
2019 七(二) (每周五向…报送) and Kaifeng 七(六), Tuesday for Zhongyuan 2013 五(二)7 (每周二上报), and so
do the reporters (districts; Zhongyuan's street offices; Kaifeng 七(六)'s 各单位, read as the
departments its plan declares, besides 各县（区）). Platform readings: a week is the ISO week
(Monday to Sunday) containing the report day; the report is due by the end of that day in
Asia/Shanghai; a report received later is late; none by then is overdue (missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from services.reporting.domain.periods import Period, PeriodSpan, period_span
from shared.access import Principal, sees_district
from shared.clock import SHANGHAI
from shared.directory.models import OrganisationKind
from shared.errors import FieldProblem, Forbidden, RuleViolation
from shared.policy import Participation, Party, ProgrammeProfile, weekly_report_weekday

__all__ = [
    "HasDeadline",
    "ReportDue",
    "ReportStatus",
    "Reporter",
    "check_week",
    "expected_reporters",
    "last_due_week",
    "report_due",
    "report_status",
    "reporter_for",
    "sees_report",
]


class ReportStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # due and not received
    NOT_DUE = "not_due"  # the deadline has not passed and nothing was received yet


@dataclass(frozen=True)
class Reporter:
    """An organisation that owes the office a weekly report: a district or street office, or a
    department (`district_code` None)."""

    code: str
    district_code: str | None


@dataclass(frozen=True)
class ReportDue:
    """The report of one ISO week: due on its report weekday, by that day's end in Shanghai."""

    week: PeriodSpan
    due_on: date

    @property
    def deadline(self) -> datetime:
        return datetime.combine(self.due_on + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def _weekday(profile: ProgrammeProfile) -> int:
    weekday = weekly_report_weekday(profile)
    if weekday is None:
        raise RuleViolation(
            f"{profile.code} asks for no weekly report",
            [
                FieldProblem(
                    "programme_code", "no_weekly_report", "the programme's plan sets no weekly report"
                )
            ],
        )
    return weekday


def report_due(profile: ProgrammeProfile, week_of: date) -> ReportDue:
    """The weekly report of the ISO week containing `week_of`.

    Raises:
        RuleViolation: the programme sets no weekly report.
    """
    week = period_span(Period.WEEK, week_of)
    return ReportDue(week, week.start + timedelta(days=_weekday(profile) - 1))


def last_due_week(profile: ProgrammeProfile, now: datetime) -> ReportDue:
    """The latest week whose report deadline has passed at `now`."""
    this_week = report_due(profile, now.astimezone(SHANGHAI).date())
    if this_week.deadline <= now:
        return this_week
    return report_due(profile, this_week.week.start - timedelta(days=7))


def expected_reporters(profile: ProgrammeProfile) -> tuple[Reporter, ...]:
    """Who owes the report: the plan's bound districts, or their street offices, and the declared
    departments where the plan names departments among the reporters (Kaifeng 七(六) 各单位).

    Only the street offices a profile lists can be missed; Zhongyuan 2013 names none, so its
    missing reports cannot be listed until the profile does (its reports are still received).
    """
    report = profile.supervision.weekly_report
    if report is None:
        return ()
    bound = [d for d in profile.jurisdiction.districts if d.participation is Participation.MANDATORY]
    found: list[Reporter] = []
    if Party.DISTRICT in report.reporters:
        found += [Reporter(d.code, d.code) for d in bound]
    if Party.STREET_OFFICE in report.reporters:
        found += [Reporter(s.code, d.code) for d in bound for s in d.street_offices]
    if Party.DEPARTMENT in report.reporters:
        found += [Reporter(d.code, None) for d in profile.departments]
    return tuple(sorted(found, key=lambda r: r.code))


_REPORTING_KINDS = (OrganisationKind.DISTRICT, OrganisationKind.STREET_OFFICE, OrganisationKind.DEPARTMENT)


def reporter_for(profile: ProgrammeProfile, actor: Principal) -> Reporter:
    """The reporter the caller speaks for in this programme.

    Raises:
        Forbidden: the caller is not a district, street office or department.
        RuleViolation: the programme does not ask the caller's organisation for a weekly report.
    """
    if actor.org_kind not in _REPORTING_KINDS:
        raise Forbidden(
            "weekly reports are submitted by the districts, street offices or departments that owe them"
        )
    _weekday(profile)
    for reporter in expected_reporters(profile):
        if reporter.code == actor.org_code and reporter.district_code == actor.district_code:
            return reporter
    report = profile.supervision.weekly_report
    district = profile.jurisdiction.district(actor.district_code or "")
    if (
        report is not None
        and Party.STREET_OFFICE in report.reporters
        and actor.org_kind is OrganisationKind.STREET_OFFICE
        and district is not None
        and district.participation is Participation.MANDATORY
    ):
        # the plan names no street offices (Zhongyuan 2013 二): any of the district's may report
        return Reporter(actor.org_code, district.code)
    raise RuleViolation(
        f"{profile.code} asks {actor.org_code} for no weekly report",
        [
            FieldProblem(
                "programme_code", "not_a_reporter", "the programme's plan names other reporters (e.g. 各区)"
            )
        ],
    )


def sees_report(actor: Principal, district_code: str | None) -> bool:
    """Whether the caller may read a report (weekly or monthly) of this district.

    A district sees its own district's reports; a department's report (no district) is seen by
    the organisations not bound to a district, other than utilities (the office, the departments).

    Args:
        actor: the caller.
        district_code: the report's district; None for a department's.

    Returns:
        True when the caller may read it.
    """
    if district_code is None:
        return not actor.is_district_bound and actor.org_kind is not OrganisationKind.UTILITY
    return sees_district(actor, district_code)


def check_week(due: ReportDue, now: datetime) -> None:
    """A report may be filed for a week that has begun, not for a future one.

    Raises:
        RuleViolation: the week starts after today in Asia/Shanghai.
    """
    if due.week.start > now.astimezone(SHANGHAI).date():
        raise RuleViolation(
            f"week {due.week.label} has not begun",
            [FieldProblem("week_of", "not_in_future", "report on the current or a past week")],
        )


class HasDeadline(Protocol):
    """A report that is due by a deadline (a week's, or a month's in `monthly_reports`)."""

    @property
    def deadline(self) -> datetime: ...


def report_status(due: HasDeadline, received_at: datetime | None, now: datetime) -> ReportStatus:
    """On time, late, missing, or not yet due, judged at `now`."""
    if received_at is not None:
        return ReportStatus.ON_TIME if received_at < due.deadline else ReportStatus.LATE
    return ReportStatus.MISSING if now >= due.deadline else ReportStatus.NOT_DUE

"""Monthly project progress reports (Zhengzhou 2018 五(二): 每月按时上报项目进展).

Who reports and by which day come from the profile (`MonthlyReport`): the districts the plan binds
and, where it says so, the departments it declares (its 有关单位). Platform readings: the month is
the calendar month in Asia/Shanghai; its report is due by the end of the profile's `due_day` of that
month, or of its last day where the profile sets none; a report received later is late, none by
then is missing. On time / late / missing is judged as for the weekly report
(`weekly_reports.report_status`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.reporting.domain.periods import Period, PeriodSpan, period_span
from shared.access import Principal
from shared.clock import SHANGHAI
from shared.directory.models import OrganisationKind
from shared.errors import FieldProblem, Forbidden, RuleViolation
from shared.policy import MonthlyReport, Participation, Party, ProgrammeProfile

__all__ = [
    "MonthDue",
    "MonthlyReporter",
    "check_month",
    "expected_monthly_reporters",
    "month_due",
    "monthly_reporter_for",
]


@dataclass(frozen=True)
class MonthlyReporter:
    """An organisation that owes the office a monthly report: a district, or a department
    (`district_code` None)."""

    code: str
    district_code: str | None


@dataclass(frozen=True)
class MonthDue:
    """The report of one calendar month: due on `due_on`, by that day's end in Shanghai."""

    month: PeriodSpan
    due_on: date

    @property
    def deadline(self) -> datetime:
        return datetime.combine(self.due_on + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def _rule(profile: ProgrammeProfile) -> MonthlyReport:
    rule = profile.supervision.monthly_report
    if rule is None:
        raise RuleViolation(
            f"{profile.code} asks for no monthly report",
            [
                FieldProblem(
                    "programme_code", "no_monthly_report", "the programme's plan sets no monthly report"
                )
            ],
        )
    return rule


def month_due(profile: ProgrammeProfile, month_of: date) -> MonthDue:
    """The monthly report of the month containing `month_of`.

    Raises:
        RuleViolation: the programme sets no monthly report.
    """
    rule = _rule(profile)
    month = period_span(Period.MONTH, month_of)
    last = calendar.monthrange(month.start.year, month.start.month)[1]
    return MonthDue(month, month.start.replace(day=rule.due_day or last))


def expected_monthly_reporters(profile: ProgrammeProfile) -> tuple[MonthlyReporter, ...]:
    """Who owes the month's report: the bound districts, and the declared departments where the
    plan names departments among the reporters; sorted by code."""
    rule = profile.supervision.monthly_report
    if rule is None:
        return ()
    found: list[MonthlyReporter] = []
    if Party.DISTRICT in rule.reporters:
        found += [
            MonthlyReporter(d.code, d.code)
            for d in profile.jurisdiction.districts
            if d.participation is Participation.MANDATORY
        ]
    if Party.DEPARTMENT in rule.reporters:
        found += [MonthlyReporter(d.code, None) for d in profile.departments]
    return tuple(sorted(found, key=lambda r: r.code))


def monthly_reporter_for(profile: ProgrammeProfile, actor: Principal) -> MonthlyReporter:
    """The reporter the caller speaks for in this programme's monthly reports.

    Raises:
        Forbidden: the caller is neither a district nor a department.
        RuleViolation: no monthly report in the plan, or the plan asks the caller for none.
    """
    if actor.org_kind not in (OrganisationKind.DISTRICT, OrganisationKind.DEPARTMENT):
        raise Forbidden("monthly reports are submitted by the districts and departments that owe them")
    _rule(profile)
    for reporter in expected_monthly_reporters(profile):
        if reporter.code == actor.org_code and reporter.district_code == actor.district_code:
            return reporter
    raise RuleViolation(
        f"{profile.code} asks {actor.org_code} for no monthly report",
        [
            FieldProblem(
                "programme_code",
                "not_a_reporter",
                "the programme's plan names other reporters (各县（市、区）及市政府有关单位)",
            )
        ],
    )


def check_month(due: MonthDue, now: datetime) -> None:
    """A report may be filed for a month that has begun, not for a future one.

    Raises:
        RuleViolation: the month starts after today in Asia/Shanghai.
    """
    if due.month.start > now.astimezone(SHANGHAI).date():
        raise RuleViolation(
            f"month {due.month.label} has not begun",
            [FieldProblem("month_of", "not_in_future", "report on the current or a past month")],
        )

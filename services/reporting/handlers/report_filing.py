"""What every filed progress report (weekly or monthly) stores besides its period, in one place.

A weekly and a monthly report differ in their period (`week_start`/`week`, `month_start`/`month`),
who owes them and their unique key; the reporter, the figures, the narrative, the deadline and
the on-time judgement at filing are the same, and are built here for both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from services.reporting.domain.weekly_reports import HasDeadline, report_status
from services.reporting.models.monthly_reports import MonthlyReportCreate
from services.reporting.models.weekly_reports import WeeklyReportCreate
from shared.access import Principal

__all__ = ["filed_columns"]


class _Due(HasDeadline, Protocol):
    @property
    def due_on(self) -> date: ...


def filed_columns(
    body: WeeklyReportCreate | MonthlyReportCreate,
    reporter_code: str,
    district_code: str | None,
    due: _Due,
    actor: Principal,
    now: datetime,
) -> dict[str, Any]:
    """The columns a report filed now stores, other than its id, programme and period.

    Args:
        body: the report as filed (figures, narrative, problems).
        reporter_code: who files it.
        district_code: the reporter's district; None for a department.
        due: when it was due (the day and the deadline).
        actor: the caller filing it.
        now: the service clock: when it was received, and so on time or late.

    Returns:
        Column name → value.
    """
    return {
        "reporter_code": reporter_code,
        "district_code": district_code,
        "projects_started": body.projects_started,
        "projects_completed": body.projects_completed,
        "projects_accepted": body.projects_accepted,
        "investment_completed_fen": body.investment_completed_fen,
        "narrative": body.narrative,
        "problems": body.problems,
        "due_on": due.due_on,
        "deadline": due.deadline,
        "submitted_at": now,
        "submitted_by": actor.subject,
        "status": report_status(due, now, now).value,
    }

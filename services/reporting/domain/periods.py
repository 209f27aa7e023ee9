"""Reporting periods: a day, an ISO week (Monday to Sunday) or a calendar month in Asia/Shanghai.

Supervision runs on the office's calendar (Kaifeng 七(七) 日督导，周通报，月考评), so periods are
dates, not instants; `closes_at` converts a period's end to the instant it is over.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from shared.clock import SHANGHAI, shanghai_date

__all__ = ["Period", "PeriodSpan", "period_span", "today"]


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO 8601 week, Monday first
    MONTH = "month"


@dataclass(frozen=True)
class PeriodSpan:
    """A period's first and last day, both included."""

    period: Period
    start: date
    end: date

    @property
    def label(self) -> str:
        """A stable name: 2026-11-20, 2026-W47 (ISO year and week) or 2026-11."""
        if self.period is Period.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.period is Period.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        return self.start.isoformat()

    @property
    def closes_at(self) -> datetime:
        """The instant the period is over: midnight after its last day, in Asia/Shanghai."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=SHANGHAI)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_span(period: Period, on: date) -> PeriodSpan:
    """The day, ISO week or month that contains `on`.

    Args:
        period: day, week or month.
        on: any day inside the period.

    Returns:
        The period's first and last day (a week of 2020-12-31 runs 2020-12-28 to 2021-01-03).
    """
    if period is Period.DAY:
        return PeriodSpan(period, on, on)
    if period is Period.WEEK:
        start = on - timedelta(days=on.isoweekday() - 1)
        return PeriodSpan(period, start, start + timedelta(days=6))
    last = calendar.monthrange(on.year, on.month)[1]
    return PeriodSpan(period, on.replace(day=1), on.replace(day=last))


def today(now: datetime) -> date:
    """The office's calendar day at `now` (Asia/Shanghai)."""
    return shanghai_date(now)

"""Which figures a rollup request asks for: now, or as of the end of a day, week or month."""

from __future__ import annotations

from datetime import date, datetime

from services.reporting.domain.periods import Period, PeriodSpan, period_span, today
from shared.errors import FieldProblem, RuleViolation

__all__ = ["requested_span"]


def requested_span(period: Period | None, on: date | None, now: datetime) -> PeriodSpan | None:
    """The period a rollup is asked for, or None for the figures as they stand now.

    A date alone means that day; a period alone means the one containing today (Asia/Shanghai),
    whose figures are then "so far". A day after today has no figures yet and is refused.

    Raises:
        RuleViolation: `date` lies after today in Asia/Shanghai.
    """
    if period is None and on is None:
        return None
    current = today(now)
    day = on or current
    if day > current:
        raise RuleViolation(
            f"no figures exist yet for {day.isoformat()}",
            [FieldProblem("date", "not_in_future", f"must be on or before {current} (Asia/Shanghai)")],
        )
    return period_span(period or Period.DAY, day)

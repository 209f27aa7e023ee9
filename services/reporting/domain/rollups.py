"""Which figures a rollup request asks for: now, or as of the end of a day, week or month."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from services.reporting.domain.periods import Period, PeriodSpan, period_span, today
from shared.errors import FieldProblem, RuleViolation

__all__ = ["patrol_days_due", "requested_span"]


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


def patrol_days_due(starts_and_completions: Iterable[tuple[date, int, int]], as_of: date) -> int:
    """Site-days a daily patrol was due by the end of `as_of` (Zhongyuan 五(二)5 每天到施工小区进行巡查).

    Platform reading: a site is patrolled every day from the day works start to the day they are
    finished, both included; a site still under construction is due every day up to `as_of`.

    Args:
        starts_and_completions: (day, works started that day, works finished that day), any order.
        as_of: the last day counted.

    Returns:
        Σ started × (as_of − day + 1) − Σ finished × (as_of − day): each project's days on site.
    """
    due = 0
    for day, started, completed in starts_and_completions:
        if day > as_of:
            continue
        span = (as_of - day).days
        due += started * (span + 1) - completed * span
    return max(0, due)

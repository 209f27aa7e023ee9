"""Year-end forecast: where each district will stand on 31 December at its present pace.

The office sees who will miss the year's target before they miss it (Kaifeng 七(七) 日督导;
Zhengzhou 2019 七(四) 对…工作进度进行定期督导考核). Method (platform reading; the plans set none):

- `linear` (default): the acceptances of the year so far, spread over the days elapsed, continued
  over the days left: projected = done + floor(accepted this year × days left / days elapsed);
- `recent`: the same with the pace of the last `RECENT_DAYS` days only, which sees a slowdown or
  a late surge sooner.

A year already over projects what was done; a year not begun projects what is done already. The
target is the plan's cumulative share by the year's end, in whole projects (`domain/targets.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

__all__ = ["RECENT_DAYS", "Forecast", "ForecastMethod", "forecast", "forecast_as_of"]

RECENT_DAYS = 28
"""The window of the `recent` method: four weeks, so one slow week does not swing it."""


class ForecastMethod(StrEnum):
    LINEAR = "linear"
    RECENT = "recent"


@dataclass(frozen=True)
class Forecast:
    """One district's projected year-end figure against its target."""

    year: int
    as_of: date
    method: ForecastMethod
    done: int
    done_this_year: int
    pace_per_week: Fraction
    projected_year_end: int
    target_by_year_end: int | None

    @property
    def will_miss(self) -> bool | None:
        """True when the projection falls short of the target (None: the plan sets none)."""
        if self.target_by_year_end is None:
            return None
        return self.projected_year_end < self.target_by_year_end

    @property
    def shortfall(self) -> int | None:
        if self.target_by_year_end is None:
            return None
        return max(0, self.target_by_year_end - self.projected_year_end)


def forecast_as_of(year: int, today: date) -> date:
    """The day the forecast of `year` is made from: today, or the year's last day once it is over."""
    return min(today, date(year, 12, 31))


def forecast(
    year: int,
    as_of: date,
    done_at_year_start: int,
    done: int,
    done_recently: int,
    target_by_year_end: int | None,
    method: ForecastMethod = ForecastMethod.LINEAR,
) -> Forecast:
    """Project a district's year-end figure from its pace.

    Args:
        year: the calendar year forecast.
        as_of: the day of the figures (see `forecast_as_of`).
        done_at_year_start: accepted by the end of the previous year.
        done: accepted by the end of `as_of`.
        done_recently: accepted in the `RECENT_DAYS` days up to `as_of` (within the year).
        target_by_year_end: the plan's cumulative target for the year's end, or None.
        method: linear on the year so far, or the recent pace.

    Returns:
        The projection, rounded down to whole projects.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    this_year = max(0, done - done_at_year_start)
    if as_of < first or as_of >= last:
        pace_per_day = Fraction(0)
    else:
        elapsed = (as_of - first).days + 1
        if method is ForecastMethod.RECENT:
            window = min(RECENT_DAYS, elapsed)
            pace_per_day = Fraction(max(0, done_recently), window)
        else:
            pace_per_day = Fraction(this_year, elapsed)
    days_left = max(0, (last - as_of).days) if as_of >= first else 0
    gained = pace_per_day * days_left
    return Forecast(
        year=year,
        as_of=as_of,
        method=method,
        done=done,
        done_this_year=this_year,
        pace_per_week=pace_per_day * 7,
        projected_year_end=done + gained.numerator // gained.denominator,
        target_by_year_end=target_by_year_end,
    )

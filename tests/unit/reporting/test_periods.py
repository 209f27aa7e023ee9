"""Reporting periods in Asia/Shanghai: days, ISO weeks across year ends, months of every length."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reporting.domain.periods import Period, period_span, today
from services.reporting.domain.rollups import requested_span
from shared.errors import RuleViolation


@pytest.mark.parametrize(
    ("on", "start", "end", "label"),
    [
        (date(2026, 11, 20), date(2026, 11, 16), date(2026, 11, 22), "2026-W47"),
        (date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 22), "2026-W47"),  # a Monday
        (date(2026, 11, 22), date(2026, 11, 16), date(2026, 11, 22), "2026-W47"),  # a Sunday
        # the ISO week of New Year's Eve 2020 belongs to 2020 and ends in 2021 (2020-W53)
        (date(2020, 12, 31), date(2020, 12, 28), date(2021, 1, 3), "2020-W53"),
        (date(2021, 1, 3), date(2020, 12, 28), date(2021, 1, 3), "2020-W53"),
        # 2019-12-30 is already in ISO week 1 of 2020
        (date(2019, 12, 30), date(2019, 12, 30), date(2020, 1, 5), "2020-W01"),
        (date(2019, 1, 1), date(2018, 12, 31), date(2019, 1, 6), "2019-W01"),
    ],
)
def test_an_iso_week_runs_monday_to_sunday_and_is_named_by_its_iso_year(
    on: date, start: date, end: date, label: str
) -> None:
    span = period_span(Period.WEEK, on)
    assert (span.start, span.end, span.label) == (start, end, label)


@pytest.mark.parametrize(
    ("on", "end"),
    [
        (date(2020, 2, 10), date(2020, 2, 29)),  # leap year
        (date(2019, 2, 1), date(2019, 2, 28)),
        (date(2019, 12, 31), date(2019, 12, 31)),
        (date(2020, 6, 15), date(2020, 6, 30)),
    ],
)
def test_a_month_runs_from_its_first_to_its_last_day(on: date, end: date) -> None:
    span = period_span(Period.MONTH, on)
    assert (span.start, span.end) == (on.replace(day=1), end)
    assert span.label == f"{on.year}-{on.month:02d}"


def test_a_day_is_itself_and_closes_at_midnight_in_shanghai() -> None:
    span = period_span(Period.DAY, date(2019, 12, 31))
    assert (span.start, span.end, span.label) == (date(2019, 12, 31), date(2019, 12, 31), "2019-12-31")
    assert span.period is Period.DAY
    assert span.closes_at == datetime(2019, 12, 31, 16, 0, tzinfo=UTC)  # 2020-01-01 00:00 UTC+8
    assert span.contains(date(2019, 12, 31)) and not span.contains(date(2020, 1, 1))


def test_the_office_day_turns_at_midnight_shanghai_not_utc() -> None:
    assert today(datetime(2026, 11, 20, 15, 59, tzinfo=UTC)) == date(2026, 11, 20)
    assert today(datetime(2026, 11, 20, 16, 0, tzinfo=UTC)) == date(2026, 11, 21)


NOW = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)  # 2026-11-21 00:30 in Shanghai


def test_no_period_and_no_date_asks_for_the_figures_now() -> None:
    assert requested_span(None, None, NOW) is None


def test_a_date_alone_is_that_day_and_a_period_alone_is_the_current_one() -> None:
    assert requested_span(None, date(2026, 11, 2), NOW) == period_span(Period.DAY, date(2026, 11, 2))
    assert requested_span(Period.MONTH, None, NOW) == period_span(Period.MONTH, date(2026, 11, 21))


def test_a_day_after_today_in_shanghai_is_refused_naming_the_date_field() -> None:
    assert requested_span(Period.DAY, date(2026, 11, 21), NOW) is not None  # today in Shanghai
    with pytest.raises(RuleViolation) as refused:
        requested_span(Period.DAY, date(2026, 11, 22), NOW)
    assert [(p.field, p.rule) for p in refused.value.errors] == [("date", "not_in_future")]

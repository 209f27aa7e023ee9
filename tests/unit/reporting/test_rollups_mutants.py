"""Rollup requests: which period is asked for, refusing days after today (Asia/Shanghai), and
the patrol site-days due (Zhongyuan 五(二)5 每天到施工小区进行巡查)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.reporting.domain.periods import Period, PeriodSpan
from services.reporting.domain.rollups import patrol_days_due, requested_span
from shared.errors import RuleViolation

# 2026-11-20 17:00 UTC is 2026-11-21 01:00 in Asia/Shanghai: "today" is the 21st there.
NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
TODAY = date(2026, 11, 21)


def test_nothing_asked_means_the_figures_as_they_stand() -> None:
    assert requested_span(None, None, NOW) is None


def test_a_date_alone_means_that_day() -> None:
    assert requested_span(None, date(2026, 11, 3), NOW) == PeriodSpan(
        Period.DAY, date(2026, 11, 3), date(2026, 11, 3)
    )


def test_a_period_alone_means_the_one_containing_today_in_shanghai() -> None:
    assert requested_span(Period.DAY, None, NOW) == PeriodSpan(Period.DAY, TODAY, TODAY)
    assert requested_span(Period.MONTH, None, NOW) == PeriodSpan(
        Period.MONTH, date(2026, 11, 1), date(2026, 11, 30)
    )
    # 2026-11-21 is a Saturday: its ISO week runs Monday 16th to Sunday 22nd.
    assert requested_span(Period.WEEK, None, NOW) == PeriodSpan(
        Period.WEEK, date(2026, 11, 16), date(2026, 11, 22)
    )


def test_a_period_and_a_date_mean_the_period_containing_that_date() -> None:
    assert requested_span(Period.MONTH, date(2026, 2, 14), NOW) == PeriodSpan(
        Period.MONTH, date(2026, 2, 1), date(2026, 2, 28)
    )


def test_today_in_shanghai_is_allowed_even_when_it_is_tomorrow_in_utc() -> None:
    assert requested_span(None, TODAY, NOW) == PeriodSpan(Period.DAY, TODAY, TODAY)


def test_a_day_after_today_is_refused_naming_the_date_field() -> None:
    with pytest.raises(RuleViolation) as caught:
        requested_span(None, date(2026, 11, 22), NOW)
    assert caught.value.detail == "no figures exist yet for 2026-11-22"
    (problem,) = caught.value.errors
    assert problem.field == "date"
    assert problem.rule == "not_in_future"
    assert problem.message == "must be on or before 2026-11-21 (Asia/Shanghai)"


def test_patrol_days_count_both_the_start_and_the_as_of_day() -> None:
    # one site started on the 1st, still open on the 10th: days 1..10 = 10 patrols
    assert patrol_days_due([(date(2026, 3, 1), 1, 0)], date(2026, 3, 10)) == 10
    # started on the day counted: 1 patrol
    assert patrol_days_due([(date(2026, 3, 10), 1, 0)], date(2026, 3, 10)) == 1


def test_patrol_days_stop_on_the_day_works_finish_that_day_included() -> None:
    # started on the 1st, finished on the 4th: days 1..4 = 4 patrols, whatever as_of is after
    rows = [(date(2026, 3, 1), 1, 0), (date(2026, 3, 4), 0, 1)]
    assert patrol_days_due(rows, date(2026, 3, 10)) == 4
    # started and finished the same day: 1 patrol
    assert patrol_days_due([(date(2026, 3, 5), 1, 1)], date(2026, 3, 10)) == 1


def test_patrol_days_add_up_sites_and_ignore_days_after_as_of() -> None:
    rows = [
        (date(2026, 3, 8), 2, 0),  # two sites, days 8..10: 6
        (date(2026, 3, 1), 1, 0),  # days 1..10: 10
        (date(2026, 3, 11), 5, 0),  # after as_of: nothing
        (date(2026, 3, 12), 0, 1),  # a finish after as_of: nothing
    ]
    assert patrol_days_due(rows, date(2026, 3, 10)) == 16


def test_patrol_days_never_go_below_zero() -> None:
    assert patrol_days_due([(date(2026, 3, 1), 0, 1)], date(2026, 3, 10)) == 0
    assert patrol_days_due([], date(2026, 3, 10)) == 0


def test_patrol_days_skip_a_later_day_listed_first_and_count_the_rest() -> None:
    rows = [
        (date(2026, 3, 20), 4, 0),  # after as_of, listed first
        (date(2026, 3, 1), 1, 0),  # days 1..10: 10
    ]
    assert patrol_days_due(rows, date(2026, 3, 10)) == 10

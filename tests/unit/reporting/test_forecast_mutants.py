"""Year-end forecast (Kaifeng 七(七); Zhengzhou 2019 七(四)): projected = done + floor(pace × days left)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from services.reporting.domain.forecast import RECENT_DAYS, Forecast, ForecastMethod, forecast, forecast_as_of


def test_the_forecast_day_is_today_or_the_years_last_day() -> None:
    assert forecast_as_of(2026, date(2026, 5, 2)) == date(2026, 5, 2)
    assert forecast_as_of(2026, date(2026, 12, 31)) == date(2026, 12, 31)
    assert forecast_as_of(2025, date(2026, 5, 2)) == date(2025, 12, 31)


def test_linear_spreads_the_years_acceptances_over_the_days_elapsed() -> None:
    # 2026-03-01: elapsed 31 + 28 + 1 = 60 days; 30 accepted this year → ½ a day;
    # days left to 31 December: 365 − 60 = 305 → +152 (floor of 152.5).
    result = forecast(
        2026, date(2026, 3, 1), done_at_year_start=100, done=130, done_recently=0, target_by_year_end=300
    )
    assert result == Forecast(
        year=2026,
        as_of=date(2026, 3, 1),
        method=ForecastMethod.LINEAR,
        done=130,
        done_this_year=30,
        pace_per_week=Fraction(7, 2),
        projected_year_end=282,
        target_by_year_end=300,
    )
    assert result.will_miss is True
    assert result.shortfall == 18


def test_recent_uses_the_last_28_days_only() -> None:
    assert RECENT_DAYS == 28
    # 14 accepted in the last 28 days → ½ a day; 305 days left → +152
    result = forecast(
        2026,
        date(2026, 3, 1),
        100,
        130,
        done_recently=14,
        target_by_year_end=282,
        method=ForecastMethod.RECENT,
    )
    assert result.method is ForecastMethod.RECENT
    assert result.pace_per_week == Fraction(7, 2)
    assert result.projected_year_end == 282
    assert result.will_miss is False
    assert result.shortfall == 0


def test_recent_early_in_the_year_uses_the_days_elapsed_as_its_window() -> None:
    # 2026-01-10: 10 days elapsed (< 28); 5 accepted → ½ a day; 355 days left → +177
    result = forecast(
        2026, date(2026, 1, 10), 0, 5, done_recently=5, target_by_year_end=None, method=ForecastMethod.RECENT
    )
    assert result.pace_per_week == Fraction(7, 2)
    assert result.projected_year_end == 5 + 177
    assert result.will_miss is None
    assert result.shortfall is None


def test_recent_with_no_recent_acceptances_projects_what_is_done() -> None:
    result = forecast(
        2026, date(2026, 6, 1), 0, 40, done_recently=0, target_by_year_end=40, method=ForecastMethod.RECENT
    )
    assert result.pace_per_week == 0
    assert result.projected_year_end == 40
    negative = forecast(
        2026, date(2026, 6, 1), 0, 40, done_recently=-3, target_by_year_end=None, method=ForecastMethod.RECENT
    )
    assert negative.projected_year_end == 40


def test_on_the_first_day_of_the_year_the_pace_is_that_days_acceptances() -> None:
    # elapsed 1 day, 2 accepted → 2 a day; 364 days left → +728
    result = forecast(2026, date(2026, 1, 1), 10, 12, 0, None)
    assert result.pace_per_week == 14
    assert result.projected_year_end == 12 + 728


def test_on_the_last_day_the_projection_is_what_was_done() -> None:
    result = forecast(2026, date(2026, 12, 31), 10, 50, 20, 60)
    assert result.pace_per_week == 0
    assert result.projected_year_end == 50
    assert result.done_this_year == 40
    assert result.shortfall == 10
    assert result.will_miss is True


def test_the_day_before_the_last_adds_one_days_pace() -> None:
    # 2026-12-30: elapsed 364, 364 accepted this year → 1 a day; 1 day left
    result = forecast(2026, date(2026, 12, 30), 0, 364, 0, 365)
    assert result.projected_year_end == 365
    assert result.will_miss is False


def test_a_year_not_begun_projects_what_is_done() -> None:
    result = forecast(2027, date(2026, 12, 31), 10, 15, 5, 20)
    assert result.pace_per_week == 0
    assert result.projected_year_end == 15
    assert result.done_this_year == 5
    result = forecast(2027, date(2026, 12, 31), 10, 15, 5, 20, method=ForecastMethod.RECENT)
    assert result.projected_year_end == 15


def test_a_year_over_projects_what_was_done() -> None:
    result = forecast(2025, date(2026, 3, 1), 10, 30, 5, 30)
    assert result.pace_per_week == 0
    assert result.projected_year_end == 30


def test_done_this_year_never_goes_below_zero() -> None:
    result = forecast(2026, date(2026, 3, 1), 50, 40, 0, None)
    assert result.done_this_year == 0
    assert result.projected_year_end == 40


def test_will_miss_at_exactly_the_target_is_false() -> None:
    exactly = Forecast(2026, date(2026, 6, 1), ForecastMethod.LINEAR, 10, 10, Fraction(0), 10, 10)
    assert exactly.will_miss is False
    assert exactly.shortfall == 0
    short = Forecast(2026, date(2026, 6, 1), ForecastMethod.LINEAR, 9, 9, Fraction(0), 9, 10)
    assert short.will_miss is True
    assert short.shortfall == 1


def test_method_names() -> None:
    assert ForecastMethod("linear") is ForecastMethod.LINEAR
    assert ForecastMethod("recent") is ForecastMethod.RECENT

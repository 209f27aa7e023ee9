"""Time helpers: aware datetimes only; reporting days fall in Asia/Shanghai (UTC+8)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from shared.clock import ensure_aware, shanghai_date, utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


class _NoOffset(tzinfo):
    """A zone that does not know its offset: a datetime carrying it is naive all the same."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


@pytest.fixture
def machine_in_shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone set to Asia/Shanghai (UTC+8), restored afterwards."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class TestEnsureAware:
    def test_a_naive_datetime_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"^datetime must be timezone-aware$"):
            ensure_aware(datetime(2024, 6, 30, 12, 0))

    def test_a_datetime_whose_zone_gives_no_offset_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"^datetime must be timezone-aware$"):
            ensure_aware(datetime(2024, 6, 30, 12, 0, tzinfo=_NoOffset()))

    @pytest.mark.usefixtures("machine_in_shanghai")
    def test_the_result_is_in_utc_whatever_the_machines_local_zone(self) -> None:
        # 08:00 at UTC-5 is 13:00 UTC (21:00 on the machine's Shanghai clock)
        result = ensure_aware(datetime(2024, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5))))
        assert result.utcoffset() == timedelta(0)
        assert (result.date(), result.hour) == (date(2024, 1, 1), 13)

    def test_an_aware_datetime_is_normalised_to_utc(self) -> None:
        result = ensure_aware(datetime(2024, 1, 1, 8, 0, tzinfo=SHANGHAI))
        assert result == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
        assert result.utcoffset() == timedelta(0)


class TestShanghaiDate:
    def test_a_naive_datetime_is_refused(self) -> None:
        with pytest.raises(ValueError):
            shanghai_date(datetime(2024, 6, 30, 12, 0))

    def test_sixteen_hundred_utc_is_already_the_next_day_in_shanghai(self) -> None:
        assert shanghai_date(datetime(2024, 6, 30, 16, 0, tzinfo=UTC)) == date(2024, 7, 1)

    def test_one_second_earlier_is_still_the_same_day(self) -> None:
        assert shanghai_date(datetime(2024, 6, 30, 15, 59, 59, tzinfo=UTC)) == date(2024, 6, 30)

    def test_late_evening_utc_on_new_years_eve_is_new_years_day_in_shanghai(self) -> None:
        assert shanghai_date(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == date(2025, 1, 1)

    def test_just_after_midnight_utc_is_the_same_calendar_day_in_shanghai(self) -> None:
        assert shanghai_date(datetime(2025, 1, 1, 0, 30, tzinfo=UTC)) == date(2025, 1, 1)

    def test_a_moment_in_another_zone_is_converted_first(self) -> None:
        # 20:00 at UTC-10 on 1 March is 06:00 UTC and 14:00 in Shanghai on 2 March
        moment = datetime(2024, 3, 1, 20, 0, tzinfo=timezone(timedelta(hours=-10)))
        assert shanghai_date(moment) == date(2024, 3, 2)


def test_utcnow_is_aware_and_in_utc() -> None:
    now = utcnow()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)

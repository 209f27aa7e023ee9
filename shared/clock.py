"""Explicit time: storage and events in UTC, reporting periods in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "Clock", "FixedClock", "SystemClock", "ensure_aware", "shanghai_date", "utcnow"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def ensure_aware(moment: datetime) -> datetime:
    """Refuse naive datetimes instead of guessing their zone; normalise to UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC)


def shanghai_date(moment: datetime) -> date:
    """The calendar day in Asia/Shanghai on which `moment` falls (reporting periods use it)."""
    return ensure_aware(moment).astimezone(SHANGHAI).date()


class Clock(Protocol):
    """Where a service reads the time; tests pass a `FixedClock` to control it."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> datetime:
        return utcnow()


class FixedClock:
    """A clock that stands still until moved: for handler tests and as-of computations.

    Args:
        at: the instant it shows; must be timezone-aware.
    """

    def __init__(self, at: datetime) -> None:
        self._at = ensure_aware(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self._at += delta

    def set(self, at: datetime) -> None:
        """Show `at` from now on (timezone-aware)."""
        self._at = ensure_aware(at)

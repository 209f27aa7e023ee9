"""Explicit time: storage and events in UTC, reporting periods in Asia/Shanghai.

Why a module of its own: nothing in the domain calls ``datetime.now()``. A service reads the time
from its runtime's `Clock` and passes ``now`` down, so handler tests pin it with `FixedClock` and
as-of computations (rollups, deadlines, locked periods) can be replayed for any instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["SHANGHAI", "Clock", "FixedClock", "SystemClock", "ensure_aware", "shanghai_date", "utcnow"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""The programmes' local zone (UTC+8, no daylight saving): reporting days, weeks and months."""


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (for `SystemClock`; the domain takes ``now``).

    Returns:
        ``datetime.now(UTC)``.
    """
    return datetime.now(UTC)


def ensure_aware(moment: datetime) -> datetime:
    """Refuse naive datetimes instead of guessing their zone; normalise to UTC.

    Args:
        moment: a timezone-aware datetime in any zone.

    Returns:
        The same instant expressed in UTC.

    Raises:
        ValueError: `moment` is naive (no tzinfo, or a tzinfo that gives no offset).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC)


def shanghai_date(moment: datetime) -> date:
    """The calendar day in Asia/Shanghai on which `moment` falls (reporting periods use it).

    Args:
        moment: a timezone-aware instant.

    Returns:
        The local date; e.g. 2024-03-31T16:00Z is already 2024-04-01 in Shanghai.

    Raises:
        ValueError: `moment` is naive.
    """
    return ensure_aware(moment).astimezone(SHANGHAI).date()


class Clock(Protocol):
    """Where a service reads the time; tests pass a `FixedClock` to control it."""

    def now(self) -> datetime:
        """The current instant.

        Returns:
            A timezone-aware datetime.
        """
        ...


class SystemClock:
    """The real clock (UTC): what a running service uses."""

    def now(self) -> datetime:
        """The current instant.

        Returns:
            ``utcnow()``: timezone-aware, in UTC.
        """
        return utcnow()


class FixedClock:
    """A clock that stands still until moved: for handler tests and as-of computations.

    Args:
        at: the instant it shows; must be timezone-aware.

    Raises:
        ValueError: `at` is naive.
    """

    def __init__(self, at: datetime) -> None:
        self._at = ensure_aware(at)

    def now(self) -> datetime:
        """The instant the clock shows.

        Returns:
            The instant given to the constructor, `advance` or `set`, in UTC.
        """
        return self._at

    def advance(self, delta: timedelta) -> None:
        """Move the clock by `delta` (a negative delta moves it back; nothing forbids it).

        Args:
            delta: how far to move.
        """
        self._at += delta

    def set(self, at: datetime) -> None:
        """Show `at` from now on.

        Args:
            at: the new instant; must be timezone-aware.

        Raises:
            ValueError: `at` is naive.
        """
        self._at = ensure_aware(at)

"""Explicit time: storage and events in UTC, reporting periods in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

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

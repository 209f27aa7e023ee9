"""Column types that keep the platform's invariants at the storage edge.

Why: SQLite forgets the zone of a stored datetime and PostgreSQL returns the session's zone; either
would let a naive or shifted time into the domain. `UtcDateTime` makes every read aware and UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UtcDateTime"]


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        """Convert a value on its way to the database.

        Args:
            value: the datetime to store, or None.
            dialect: the database's dialect (unused: every dialect gets UTC).

        Returns:
            The same instant in UTC, or None.

        Raises:
            ValueError: `value` is naive; its zone would be a guess.
        """
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware values only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert a value read from the database.

        Args:
            value: the stored datetime (naive from SQLite, aware from PostgreSQL), or None.
            dialect: the database's dialect.

        Returns:
            The instant, timezone-aware in UTC (a naive value was stored as UTC), or None.
        """
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

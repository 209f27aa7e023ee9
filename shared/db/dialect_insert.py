"""The INSERT construct of the session's dialect, for `ON CONFLICT` clauses (PostgreSQL or SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["insert_for"]


def insert_for(session: AsyncSession) -> Any:
    """`postgresql.insert` on PostgreSQL, `sqlite.insert` otherwise: both offer `on_conflict_do_*`.

    Args:
        session: the unit of work the statement will run in.

    Returns:
        The dialect's `insert` function.
    """
    bind = session.bind
    return pg_insert if bind is not None and bind.dialect.name == "postgresql" else sqlite_insert

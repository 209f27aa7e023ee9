"""The INSERT construct of the session's dialect, for `ON CONFLICT` clauses (PostgreSQL or SQLite),
and the insert-once that commands recording a thing at most once are built on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["insert_for", "insert_once"]


def insert_for(session: AsyncSession) -> Any:
    """`postgresql.insert` on PostgreSQL, `sqlite.insert` otherwise: both offer `on_conflict_do_*`.

    Args:
        session: the unit of work the statement will run in.

    Returns:
        The dialect's `insert` function.
    """
    bind = session.bind
    return pg_insert if bind is not None and bind.dialect.name == "postgresql" else sqlite_insert


async def insert_once(session: AsyncSession, row: Any, key: Sequence[str]) -> bool:
    """Insert the table model `row` unless a row with the same `key` columns exists: one
    `INSERT .. ON CONFLICT DO NOTHING RETURNING`, so of N concurrent identical commands one inserts
    and the others learn they did not, without a read first.

    Args:
        session: the unit of work the row belongs to.
        row: a table model instance with every column set.
        key: the columns of the unique constraint that makes the row once-only.

    Returns:
        True when this call inserted the row; False when the key was taken.
    """
    table = type(row).__table__
    statement = (
        insert_for(session)(table)
        .values(**{c.name: getattr(row, c.name) for c in table.columns})
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(table.c[list(key)[0]])
    )
    return (await session.exec(statement)).first() is not None  # type: ignore[attr-defined]

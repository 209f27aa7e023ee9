"""Rows for append-only tables (the outbox, the audit trail), inserted when their transaction
commits: one prebuilt INSERT per table, all of a transaction's rows in it.

Why: every command adds an outbox row and an audit entry. As ORM objects each cost a model
instance, identity-map bookkeeping and a share of the unit-of-work flush, about a tenth of a
command's CPU, for rows nothing reads or changes before the commit. Staged rows go in just
before the ORM's own flush at commit (SQLAlchemy's ``before_commit``), in the order they were
staged, and vanish with a rollback, so they commit or roll back exactly as the ORM objects did.
A query inside the transaction does not see them until `insert_staged` runs: nothing in the
platform reads its own outbox or audit rows before committing, and `add_many_to_outbox` inserts
the staged rows first to keep one transaction's events in order.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["insert_staged", "stage_row"]

_STAGED_KEY = "staged_rows"
_INSERTS: dict[sa.Table, Any] = {}


def stage_row(session: AsyncSession, table: sa.Table, row: dict[str, Any]) -> None:
    """Stage `row` for `table`; it is inserted when the session's transaction commits.

    Args:
        session: the session of the write the row belongs to.
        table: an append-only table.
        row: the column values; every row of one table carries the same columns.
    """
    staged: dict[sa.Table, list[dict[str, Any]]] = session.info.setdefault(_STAGED_KEY, {})
    staged.setdefault(table, []).append(row)


async def insert_staged(session: AsyncSession) -> None:
    """Insert the rows staged so far now (before a statement that must follow them).

    Args:
        session: the session that staged them.
    """
    await session.run_sync(_insert_staged)


@event.listens_for(Session, "before_commit")
def _insert_staged(session: Session) -> None:
    staged: dict[sa.Table, list[dict[str, Any]]] | None = session.info.pop(_STAGED_KEY, None)
    if not staged:
        return
    connection = session.connection()
    for table, rows in staged.items():
        insert = _INSERTS.get(table)
        if insert is None:
            insert = _INSERTS[table] = sa.insert(table)
        connection.execute(insert, rows)


@event.listens_for(Session, "after_transaction_end")
def _forget_staged(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_STAGED_KEY, None)

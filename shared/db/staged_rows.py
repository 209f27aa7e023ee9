"""Rows for append-only tables (the outbox, the audit trail), inserted when their transaction
commits: one prebuilt INSERT per table, all of a transaction's rows in it.

Why: every command adds an outbox row and an audit entry. As ORM objects each cost a model
instance, identity-map bookkeeping and a share of the unit-of-work flush, about a tenth of a
command's CPU, for rows nothing reads or changes before the commit. Staged rows go in just
before the ORM's own flush at commit (SQLAlchemy's ``before_commit``), in the order they were
staged, and vanish with a rollback (a savepoint's rollback takes those staged inside it), so they
commit or roll back exactly as the ORM objects did.
A query inside the transaction does not see them until `insert_staged` runs: nothing in the
platform reads its own outbox or audit rows before committing, and `add_many_to_outbox` inserts
the staged rows first to keep one transaction's events in order.

On PostgreSQL a table's rows go in as one JSON parameter (`json_populate_recordset`) when there
is more than one and every column is a plain string, number, flag or instant: psycopg's
executemany dumps each row's parameters in Python and sends a statement per row, 14-19 µs a row;
one JSON document costs about 5 (a consumer that stages a row per event of a 500-event batch).
The document is written by pydantic-core's `to_json` (Rust; instants, decimals and UUIDs as
PostgreSQL reads them), about 0.7 µs a row where `json.dumps` with a Python `default` for each
instant took 2.8. Other tables (a JSON column, a custom type) and single rows keep the executemany.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_json
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db.types import UtcDateTime

__all__ = ["insert_staged", "stage_row"]

_STAGED_KEY = "staged_rows"
_INSERTS: dict[sa.Table, Any] = {}
_PLAIN_TYPES = (sa.String, sa.Integer, sa.Boolean, sa.Numeric)
"""Column types whose PostgreSQL input from a JSON scalar is the value SQLAlchemy would bind
(instants only as `UtcDateTime`: a bare `DateTime` may take naive values, refused here)."""

_Staged = tuple[SessionTransaction | None, sa.Table, dict[str, Any]]
"""A staged row: the savepoint it was staged in (None outside one), its table, its values."""


def stage_row(session: AsyncSession, table: sa.Table, row: dict[str, Any]) -> None:
    """Stage `row` for `table`; it is inserted when the session's transaction commits.

    Args:
        session: the session of the write the row belongs to.
        table: an append-only table.
        row: the column values; every row of one table carries the same columns.
    """
    sync = session.sync_session
    staged: list[_Staged] = sync.info.setdefault(_STAGED_KEY, [])
    staged.append((sync.get_nested_transaction(), table, row))


async def insert_staged(session: AsyncSession) -> None:
    """Insert the rows staged so far now (before a statement that must follow them).

    Args:
        session: the session that staged them.
    """
    await session.run_sync(_insert_all)


def _insert_all(session: Session) -> None:
    staged: list[_Staged] | None = session.info.pop(_STAGED_KEY, None)
    if not staged:
        return
    by_table: dict[sa.Table, list[dict[str, Any]]] = {}
    for _savepoint, table, row in staged:
        by_table.setdefault(table, []).append(row)
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    for table, rows in by_table.items():
        from_json = (
            _json_insert(connection.dialect, table, tuple(rows[0])) if postgresql and len(rows) > 1 else None
        )
        if from_json is not None:
            statement, instants = from_json
            connection.execute(statement, {"rows": _rows_json(rows, instants)})
            continue
        insert = _INSERTS.get(table)
        if insert is None:
            insert = _INSERTS[table] = sa.insert(table)
        connection.execute(insert, rows)


@functools.cache
def _json_insert(
    dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...]
) -> tuple[sa.TextClause, tuple[str, ...]] | None:
    """``INSERT .. SELECT .. FROM json_populate_recordset`` for rows carrying `columns`, with the
    names of its `UtcDateTime` columns; None when a column is not plain (`_PLAIN_TYPES`,
    `UtcDateTime`) or one left out has a default SQLAlchemy would fill in. Built once per table
    and set of columns."""
    if any(name not in table.c for name in columns):
        return None
    for column in table.c:
        if column.name in columns:
            if not _plain(column.type):
                return None
        elif column.default is not None or column.onupdate is not None:
            return None
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(name) for name in columns)
    statement = sa.text(
        f"INSERT INTO {quote.format_table(table)} ({names}) "
        f"SELECT {names} FROM json_populate_recordset(NULL::{quote.format_table(table)}, CAST(:rows AS json))"
        " WITH ORDINALITY AS staged ORDER BY staged.ordinality"  # in the order staged (serial ids too)
    )
    return statement, tuple(name for name in columns if isinstance(table.c[name].type, UtcDateTime))


def _plain(kind: sa.types.TypeEngine[Any]) -> bool:
    """A type SQLAlchemy binds as the value itself (`UtcDateTime` only checks and converts the
    zone, which PostgreSQL does from the ISO offset); an `Enum` validates, so it is not plain."""
    if isinstance(kind, UtcDateTime):
        return True
    return isinstance(kind, _PLAIN_TYPES) and not isinstance(kind, (sa.Enum, sa.TypeDecorator))


_INSTANT = UtcDateTime()


def _rows_json(rows: list[dict[str, Any]], instants: tuple[str, ...]) -> str:
    """`rows` as one JSON array, each value as PostgreSQL reads it into its plain column.

    An instant is written with its offset (PostgreSQL converts it to UTC, as `UtcDateTime`
    does); `UtcDateTime` first checks it, refusing a naive one as in the executemany. A
    decimal goes as its exact string, a float's NaN or infinity as the string PostgreSQL's
    numeric reads; a value with no JSON form fails with pydantic-core's serialisation error.
    """
    for name in instants:
        for row in rows:
            try:
                _INSTANT.process_bind_param(row.get(name), None)  # type: ignore[arg-type]  # its check; PG converts
            except (ValueError, AttributeError) as exc:  # naive, or not a datetime at all
                raise ValueError(f"{name}: an instant must be a timezone-aware datetime") from exc
    return to_json(rows, inf_nan_mode="strings").decode()


@event.listens_for(Session, "before_commit")
def _insert_staged(session: Session) -> None:
    # SQLAlchemy calls this on a savepoint's release too; the rows wait for the real commit.
    if not session.in_nested_transaction():
        _insert_all(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rolled-back savepoint takes the rows staged inside it along, as it would ORM objects
    (the whole transaction's end takes them all: `_forget_staged`)."""
    staged: list[_Staged] | None = session.info.get(_STAGED_KEY)
    if staged and previous_transaction.nested:
        staged[:] = [entry for entry in staged if not _inside(entry[0], previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget_staged(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_STAGED_KEY, None)


def _inside(savepoint: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is ended:
            return True
        savepoint = savepoint.parent
    return False

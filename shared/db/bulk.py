"""Multi-row INSERTs for bulk commands (the ledger import, its outbox rows): many rows of one
table, sent with the driver's executemany, in the caller's transaction.

Why not `connection.execute(insert(table), rows)`: SQLAlchemy then builds and converts every
row's parameters one by one, which cost more than the database's own work for 20,000
communities. Here the statement is compiled once for the connection's dialect, each column's
values are converted with SQLAlchemy's own bind processor for that column's type (a column whose
value is the same in every row, such as a timestamp, once), and the rows go to the driver as
tuples. The values stored are exactly those the ORM or Core would store.

On PostgreSQL through psycopg the rows go by `COPY ... FROM STDIN` instead: psycopg's pipelined
executemany still builds and sends one prepared execution per row in Python, which made the
PostgreSQL import slower than SQLite's; COPY streams the same converted values as text rows,
formatted by psycopg's C dumpers. A refusal is raised as SQLAlchemy's error, as executemany's is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import bindparam, exc, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import TableClause

__all__ = ["CHUNK_ROWS", "insert_rows"]

CHUNK_ROWS = 1_000
"""Rows per executemany call (a bounded parameter list per statement)."""


async def insert_rows(connection: AsyncConnection, table: TableClause, rows: Sequence[dict[str, Any]]) -> int:
    """Insert `rows` (each with the same keys, the column names) into `table`.

    Args:
        connection: the transaction's connection.
        table: the table (or a table clause with the column types to bind with).
        rows: the rows as column name -> Python value (what the ORM would be given).

    Returns:
        How many rows were inserted.

    Raises:
        sqlalchemy.exc.DBAPIError: what the database refuses (a constraint); the caller's unit
            of work rolls the whole transaction back.
    """
    if not rows:
        return 0
    dialect = connection.dialect
    names = list(rows[0])
    compiled = insert(table).values({n: bindparam(n) for n in names}).compile(dialect=dialect)
    order = list(compiled.positiontup) if compiled.positional else names  # type: ignore[arg-type]
    columns = [_convert(table.c[name].type, [row[name] for row in rows], dialect) for name in order]
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        await _copy(connection, table, order, columns)
        return len(rows)
    params: list[Any] = list(zip(*columns, strict=True))
    if not compiled.positional:  # e.g. psycopg's %(name)s: one mapping per row
        params = [dict(zip(order, values, strict=True)) for values in params]
    for start in range(0, len(params), CHUNK_ROWS):
        await connection.exec_driver_sql(compiled.string, params[start : start + CHUNK_ROWS])
    return len(params)


async def _copy(
    connection: AsyncConnection, table: TableClause, names: list[str], columns: list[list[Any]]
) -> None:
    """Stream the rows with `COPY ... FROM STDIN` on the transaction's own psycopg connection."""
    target = sql.Identifier(*filter(None, (getattr(table, "schema", None), table.name)))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        target, sql.SQL(", ").join(map(sql.Identifier, names))
    )
    driver: psycopg.AsyncConnection[Any] = (await connection.get_raw_connection()).driver_connection  # type: ignore[assignment]
    try:
        async with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in zip(*columns, strict=True):
                await copy.write_row(row)
    except psycopg.Error as error:  # what executemany would raise: IntegrityError for a constraint
        raise exc.DBAPIError.instance(
            statement.as_string(driver), None, error, psycopg.Error, dialect=connection.dialect
        ) from error


def _convert(type_: Any, values: list[Any], dialect: Any) -> list[Any]:
    """One column's values as the driver takes them (the type's bind processor, if it has one)."""
    process: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values
    first = values[0]
    if all(v is first for v in values):  # a constant column (the job's timestamp): converted once
        return [process(first)] * len(values)
    return [process(v) for v in values]

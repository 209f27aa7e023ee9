"""The additive upsert every projection table is written with: `x = x + excluded.x` per figure,
so concurrent replicas and redeliveries add to what is stored and never read it back."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

INSERTS: dict[str, Callable[[Any], Any]] = {"postgresql": pg_insert, "sqlite": sqlite_insert}
"""The dialects with `INSERT .. ON CONFLICT`, and their insert constructs."""


@cache
def additive_upsert(dialect: str, model: type[Any], figures: tuple[str, ...]) -> Any:
    """The table's one upsert, built once per dialect: executed with many rows, compiled once.

    Args:
        dialect: `postgresql` or `sqlite`.
        model: the SQLModel table; its primary key is the conflict target.
        figures: the columns added to; `updated_at` is replaced.

    Returns:
        The statement, to execute with a list of row dicts.
    """
    table = model.__table__
    statement = INSERTS[dialect](table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={
            **{name: table.c[name] + statement.excluded[name] for name in figures},
            "updated_at": statement.excluded.updated_at,
        },
    )


@cache
def json_additive_upsert(model: type[Any], figures: tuple[str, ...]) -> Any:
    """PostgreSQL: a whole batch's rows in ONE statement, from one JSON parameter (``:rows``).

    An executemany of `additive_upsert` costs the server a statement per row (in a replay about
    as many rows as events: patrols and steps fall on different days), and psycopg a parameter set
    per row; this is one statement whatever the batch size, parsed by the server in C. Rows go in
    the array's order (`WITH ORDINALITY`): pass them in key order, so two replicas take row locks
    in the same order. Each row is still `x = x + excluded.x`; a figure a row leaves out is 0.

    Args:
        model: the SQLModel table; its primary key is the conflict target.
        figures: the columns added to; `updated_at` is replaced.

    Returns:
        The statement, to execute with ``{"rows": <JSON array of objects named as the columns>}``.
    """
    table = model.__table__
    keys = [c.name for c in table.primary_key.columns]
    names = [*keys, "updated_at", *figures]
    values = [*(f"r.{name}" for name in (*keys, "updated_at")), *(f"coalesce(r.{n}, 0)" for n in figures)]
    updates = [f"{n} = {table.name}.{n} + excluded.{n}" for n in figures]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(values)}"
        f" FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json)) WITH ORDINALITY AS r"
        f" ORDER BY r.ordinality ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(updates)},"
        " updated_at = excluded.updated_at"
    )
    return text(sql)

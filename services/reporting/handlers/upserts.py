"""The additive upsert every projection table is written with: `x = x + excluded.x` per figure,
so concurrent replicas and redeliveries add to what is stored and never read it back."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

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

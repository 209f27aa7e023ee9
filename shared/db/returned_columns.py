"""Reads that select only what they return (issue 15).

Why: loading a table model through the ORM builds an identity-mapped object with every column
(JSON ones decoded) only for the route to copy a few fields into its response model. A Core
select of the response's columns, presented straight from the row, is about half the CPU of a
primary-key `session.get` on the inline SQLite driver, and reads no column nobody returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Table

__all__ = ["fields_of", "returned_columns"]


def returned_columns(table: Table, response: type[BaseModel]) -> tuple[Column[Any], ...]:
    """The columns of `table` that `response` has a field for, in the table's order.

    Args:
        table: the table model's ``__table__``.
        response: the model the API answers with (fields it computes are not columns).

    Returns:
        The columns to select.

    Raises:
        ValueError: `response` shares no field with `table` (a wrong pairing).
    """
    columns = tuple(column for column in table.columns if column.name in response.model_fields)
    if not columns:
        raise ValueError(f"{response.__name__} returns no column of {table.name}")
    return columns


def fields_of(obj: object, columns: tuple[Column[Any], ...]) -> Mapping[str, Any]:
    """The values `columns` name, read from a loaded table-model object.

    Why: the command paths hold ORM objects and the read paths hold rows; both are presented from
    the same mapping, so one presenter serves both.

    Args:
        obj: a loaded table-model object.
        columns: the columns to read (from `returned_columns`).

    Returns:
        Column name to value.
    """
    return {column.name: getattr(obj, column.name) for column in columns}

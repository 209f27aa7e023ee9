"""Column helpers: enums stored as their string values (VARCHAR, no native enum type), read back
as enum members, so a row loaded from the database serialises like one just built."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, Enum


def enum_column(enum: type[StrEnum], length: int, *, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(
        Enum(
            enum,
            native_enum=False,
            create_constraint=False,
            length=length,
            values_callable=lambda members: [m.value for m in members],
        ),
        nullable=nullable,
    )

"""`insert_rows` on PostgreSQL streams rows with COPY: it must store exactly what Core's INSERT
stores for the same rows (every column type the bulk commands use, NULLs and text that COPY's
text format escapes), keep the caller's transaction, and refuse a constraint as SQLAlchemy's
IntegrityError with nothing written."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    event,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine
from shared.db.bulk import insert_rows
from shared.db.types import UtcDateTime


def _table(name: str, metadata: MetaData) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("key", Uuid, nullable=False, unique=True),
        Column("name", String(200), nullable=False),
        Column("notes", Text),
        Column("area", Numeric(12, 2)),
        Column("flag", Boolean, nullable=False),
        Column("facts", JSON),
        Column("at", UtcDateTime(), nullable=False),
    )


METADATA = MetaData()
BY_COPY = _table("by_copy", METADATA)
BY_INSERT = _table("by_insert", METADATA)


def rows(count: int) -> list[dict[str, Any]]:
    at = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    awkward = ["tab\there", "back\\slash", "new\nline", "\\N", "引号\"和'撇号", ""]
    return [
        {
            "key": uuid.uuid4(),
            "name": f"{awkward[i % len(awkward)]}-{i}",
            "notes": None if i % 3 == 0 else awkward[(i + 1) % len(awkward)],
            "area": None if i % 4 == 0 else Decimal("12345.67") + i,
            "flag": i % 2 == 0,
            "facts": None if i % 5 == 0 else {"tier": "实施", "codes": [i, "a\tb"], "ok": True},
            "at": at + timedelta(seconds=i),
        }
        for i in range(count)
    ]


@pytest.fixture
async def engine(postgres) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    name = f"bulk_{uuid.uuid4().hex[:12]}"
    url = await asyncio.to_thread(postgres.create_database, name)
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    yield engine
    await engine.dispose()
    async with await psycopg.AsyncConnection.connect(postgres.conninfo("postgres"), autocommit=True) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def stored(engine: AsyncEngine, table: Table) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        result = await connection.execute(
            select(*[c for c in table.c if c.name != "id"]).order_by(table.c.at)
        )
        return [tuple(r) for r in result]


async def test_copy_stores_exactly_what_an_insert_stores(engine: AsyncEngine) -> None:
    given = rows(2_500)  # more than one executemany chunk, so nothing depends on chunking
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    async with engine.begin() as connection:
        assert connection.dialect.driver == "psycopg"
        assert await insert_rows(connection, BY_COPY, given) == len(given)
        await connection.execute(insert(BY_INSERT), given)
    by_copy, by_insert = await stored(engine, BY_COPY), await stored(engine, BY_INSERT)
    assert len(by_copy) == len(given)
    assert by_copy == by_insert
    assert not [s for s in statements if "INSERT INTO by_copy" in s]  # streamed by COPY, not row by row
    assert (by_copy[2][2], by_copy[3][2]) == ("\\N", None)  # COPY's NULL marker as text stays text


async def test_a_refused_row_is_sqlalchemys_integrity_error_and_nothing_is_written(
    engine: AsyncEngine,
) -> None:
    given = rows(10)
    given[7]["key"] = given[2]["key"]
    with pytest.raises(IntegrityError, match="by_copy_key_key"):
        async with engine.begin() as connection:
            await insert_rows(connection, BY_COPY, given[:5])
            await insert_rows(connection, BY_COPY, given[5:])
    assert await stored(engine, BY_COPY) == []


async def test_copy_rows_roll_back_with_the_callers_transaction(engine: AsyncEngine) -> None:
    with pytest.raises(RuntimeError):
        async with engine.begin() as connection:
            await insert_rows(connection, BY_COPY, rows(3))
            raise RuntimeError("the state change failed")
    assert await stored(engine, BY_COPY) == []

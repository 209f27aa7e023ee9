"""Staged rows on PostgreSQL (`shared.db.staged_rows`): a transaction's rows of a plain table go in
as one JSON document, and what is stored is what the executemany stores, value for value; a
table with a JSON column keeps the executemany (a JSON null stays a JSON null)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import UnitOfWork, create_engine, create_sessions
from shared.db.staged_rows import stage_row
from shared.db.types import UtcDateTime

METADATA = sa.MetaData()


def plain_table(name: str) -> sa.Table:
    return sa.Table(
        name,
        METADATA,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("rate", sa.Numeric(10, 4)),
        sa.Column("flag", sa.Boolean),
        sa.Column("at", UtcDateTime(), nullable=False),
    )


STAGED, INSERTED = plain_table("staged_plain"), plain_table("inserted_plain")
WITH_JSON = sa.Table(
    "staged_json",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("details", sa.JSON),
)


WITH_NAIVE = sa.Table(
    "staged_naive",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime),  # timestamp without time zone: takes naive values
)


@pytest.fixture
async def engine(postgres) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    url = await asyncio.to_thread(postgres.create_database, f"staged_{uuid.uuid4().hex[:12]}")
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


def statements(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def note(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append(("many " if many else "") + statement.split(" (")[0])

    return seen


ROWS: list[dict[str, Any]] = [
    {
        "code": "410102",
        "note": 'quotes " and \\ backslash\nnew line, 中文, emoji 🏠',
        "amount_fen": 9_007_199_254_740_993,  # past a double's exact integers
        "rate": Decimal("0.1235"),
        "flag": True,
        "at": datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
    },
    {"code": "410103", "note": None, "amount_fen": -1, "rate": None, "flag": None, "at": datetime.now(UTC)},
    {"code": "", "note": "", "amount_fen": 0, "rate": Decimal("-3"), "flag": False, "at": datetime.now(UTC)},
]


async def test_a_plain_tables_rows_go_in_as_one_statement_and_store_what_executemany_stores(
    engine: AsyncEngine,
) -> None:
    seen = statements(engine)
    unit_of_work = UnitOfWork(create_sessions(engine))
    many = [{**ROWS[2], "code": f"c{i:03d}"} for i in range(300)]
    async with unit_of_work() as session:
        for row in ROWS + many:
            stage_row(session, STAGED, row)
    async with engine.begin() as conn:
        await conn.execute(sa.insert(INSERTED), ROWS + many)
        staged = (await conn.execute(sa.select(STAGED).order_by(STAGED.c.id))).all()
        inserted = (await conn.execute(sa.select(INSERTED).order_by(INSERTED.c.id))).all()
    assert [s for s in seen if s.startswith(("INSERT", "many")) and "staged_plain" in s] == [
        "INSERT INTO staged_plain"
    ]  # one statement, not one per row
    assert staged == inserted
    assert [r.id for r in staged] == list(range(1, 304))  # serial ids in the order staged
    assert [r.code for r in staged[3:]] == [row["code"] for row in many]
    assert staged[0].at == ROWS[0]["at"] and staged[0].at.tzinfo is not None
    assert staged[0].amount_fen == 9_007_199_254_740_993 and staged[0].rate == Decimal("0.1235")


async def test_a_table_with_a_json_column_keeps_the_executemany(engine: AsyncEngine) -> None:
    seen = statements(engine)
    async with UnitOfWork(create_sessions(engine))() as session:
        stage_row(session, WITH_JSON, {"details": None})
        stage_row(session, WITH_JSON, {"details": {"a": [1, 2]}})
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.text("SELECT details IS NULL, details::text FROM staged_json"))).all()
    assert [s for s in seen if s.startswith(("INSERT", "many"))] == ["many INSERT INTO staged_json"]
    assert stored == [(False, "null"), (False, '{"a": [1, 2]}')]  # SQLAlchemy's JSON null, not SQL NULL


async def test_a_bad_row_fails_the_commit_and_stores_nothing(engine: AsyncEngine) -> None:
    unit_of_work = UnitOfWork(create_sessions(engine))
    for bad in ({"code": "x" * 13}, {"at": datetime(2026, 11, 25, 12, 0)}):  # too long, naive
        with pytest.raises((StatementError, ValueError)):
            async with unit_of_work() as session:
                stage_row(session, STAGED, ROWS[1])
                stage_row(session, STAGED, {**ROWS[2], **bad})
    async with engine.connect() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(STAGED))).scalar() == 0


async def test_a_bare_datetime_column_keeps_the_executemany_and_its_naive_values(engine: AsyncEngine) -> None:
    seen = statements(engine)
    naive = [datetime(2026, 11, 25, 12, 0), datetime(2026, 11, 25, 13, 30, 0, 5)]
    async with UnitOfWork(create_sessions(engine))() as session:
        for at in naive:
            stage_row(session, WITH_NAIVE, {"at": at})
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.select(WITH_NAIVE.c.at).order_by(WITH_NAIVE.c.id))).scalars().all()
    assert [s for s in seen if s.startswith(("INSERT", "many"))] == ["many INSERT INTO staged_naive"]
    assert stored == naive

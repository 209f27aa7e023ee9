"""The bus tables' migrations write exactly the outbox and inbox the models describe, on PostgreSQL
(the DDL they emit) and on SQLite (run for real), and their downgrades remove them again.

The first (`create_bus_tables`) makes the tables; a later one (`index_outbox_by_state`) indexes the
outbox by state, and the latest (`delete_published_outbox_rows`) leaves it the columns, indexes and
fillfactor its model declares now."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

from shared.bus.inbox import InboxMessage
from shared.bus.migration_ops import (
    create_bus_tables,
    delete_published_outbox_rows,
    drop_bus_tables,
    index_outbox_by_state,
    keep_published_outbox_rows,
    restore_outbox_pending_index,
)
from shared.bus.outbox import OutboxMessage

UPGRADES = (create_bus_tables, index_outbox_by_state, delete_published_outbox_rows)
"""The bus tables' migrations, in the order every service runs them."""


def postgres_sql(*steps: Callable[[], None]) -> list[str]:
    """The statements the steps emit for PostgreSQL (Alembic's offline mode), whitespace folded."""
    out = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": out}
    )
    with Operations.context(context):
        for step in steps:
            step()
    return [fold(statement) for statement in out.getvalue().split(";") if statement.strip()]


def fold(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def model_ddl() -> list[str]:
    """The DDL of the outbox and inbox models, for PostgreSQL."""
    dialect = postgresql.dialect()
    outbox, inbox = OutboxMessage.__table__, InboxMessage.__table__  # type: ignore[attr-defined]
    statements = [
        CreateTable(outbox),
        *(CreateIndex(index) for index in sorted(outbox.indexes, key=lambda ix: str(ix.name))),
        CreateTable(inbox),
    ]
    return [fold(str(statement.compile(dialect=dialect))) for statement in statements]


PUBLISHED_AT = ", published_at TIMESTAMP WITH TIME ZONE"
"""The column the first migration made and the latest dropped, as PostgreSQL's DDL writes it."""


def test_the_upgrades_create_the_outbox_and_inbox_the_models_describe_on_postgresql() -> None:
    outbox, pending_index, inbox, *indexed = postgres_sql(*UPGRADES)
    table, *indexes, inbox_table = model_ddl()
    assert PUBLISHED_AT in outbox
    assert outbox.replace(PUBLISHED_AT, "") == table  # the latest migration drops the column
    assert "fillfactor" not in table  # the default
    assert inbox == inbox_table
    assert pending_index == "CREATE INDEX ix_outbox_pending ON outbox_message (state, next_attempt_at, id)"
    dropped, *created_indexes, altered = indexed[:5]
    assert dropped == "DROP INDEX ix_outbox_pending"
    assert altered == "ALTER TABLE outbox_message SET (fillfactor = 50)"
    assert indexed[5:] == [
        "DELETE FROM outbox_message WHERE state = 'published'",
        "DROP INDEX ix_outbox_published_at",
        "ALTER TABLE outbox_message DROP COLUMN published_at",
        "ALTER TABLE outbox_message RESET (fillfactor)",
    ]
    assert created_indexes[1] == (
        "CREATE INDEX ix_outbox_published_at ON outbox_message (published_at) WHERE state = 'published'"
    )
    assert sorted(created_indexes[0:1] + created_indexes[2:]) == indexes  # the model's, sorted by name
    assert indexes == [
        "CREATE INDEX ix_outbox_parked_id ON outbox_message (id) WHERE state = 'parked'",
        "CREATE INDEX ix_outbox_pending_id ON outbox_message (id) WHERE state = 'pending'",
    ]


def test_the_downgrade_of_the_latest_keeps_published_rows_again_on_postgresql() -> None:
    assert postgres_sql(keep_published_outbox_rows) == [
        "ALTER TABLE outbox_message SET (fillfactor = 50)",
        "ALTER TABLE outbox_message ADD COLUMN published_at TIMESTAMP WITH TIME ZONE",
        "CREATE INDEX ix_outbox_published_at ON outbox_message (published_at) WHERE state = 'published'",
    ]


def test_the_index_downgrade_restores_the_first_index_on_postgresql() -> None:
    assert postgres_sql(restore_outbox_pending_index) == [
        "ALTER TABLE outbox_message RESET (fillfactor)",
        "DROP INDEX ix_outbox_parked_id",
        "DROP INDEX ix_outbox_published_at",
        "DROP INDEX ix_outbox_pending_id",
        "CREATE INDEX ix_outbox_pending ON outbox_message (state, next_attempt_at, id)",
    ]


def test_the_upgrade_gives_the_outbox_a_generated_id_and_a_unique_event_id() -> None:
    outbox = postgres_sql(create_bus_tables)[0]
    assert "id SERIAL NOT NULL" in outbox
    assert "PRIMARY KEY (id), UNIQUE (event_id)" in outbox


def test_the_downgrade_drops_the_inbox_the_pending_index_and_the_outbox_on_postgresql() -> None:
    assert postgres_sql(drop_bus_tables) == [
        "DROP TABLE inbox_message",
        "DROP INDEX ix_outbox_pending",
        "DROP TABLE outbox_message",
    ]


def test_on_sqlite_the_upgrade_makes_the_tables_and_the_downgrade_removes_them() -> None:
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            create_bus_tables()
        inspector = sa.inspect(connection)
        assert sorted(inspector.get_table_names()) == ["inbox_message", "outbox_message"]
        assert [(ix["name"], ix["column_names"]) for ix in inspector.get_indexes("outbox_message")] == [
            ("ix_outbox_pending", ["state", "next_attempt_at", "id"])
        ]
        with Operations.context(MigrationContext.configure(connection)):
            index_outbox_by_state()
        connection.execute(
            sa.text(
                "INSERT INTO outbox_message (event_id, event_type, topic, partition_key, content, state,"
                " attempts, created_at, next_attempt_at) VALUES"
                " ('a', 't', 'x', 'k', '{}', 'published', 0, '2026-11-25', '2026-11-25'),"
                " ('b', 't', 'x', 'k', '{}', 'pending', 0, '2026-11-25', '2026-11-25'),"
                " ('c', 't', 'x', 'k', '{}', 'parked', 0, '2026-11-25', '2026-11-25')"
            )
        )
        with Operations.context(MigrationContext.configure(connection)):
            delete_published_outbox_rows()
        left = connection.exec_driver_sql("SELECT event_id, state FROM outbox_message ORDER BY id").all()
        assert left == [("b", "pending"), ("c", "parked")]  # published rows are gone, work stays
        columns = {column["name"] for column in sa.inspect(connection).get_columns("outbox_message")}
        assert columns == {column.name for column in OutboxMessage.__table__.columns}  # type: ignore[attr-defined]
        partial = {
            name: sql
            for name, sql in connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox_message'"
                " AND sql IS NOT NULL"
            )
        }
        assert {name: fold(sql).split(" ON ", 1)[1] for name, sql in partial.items()} == {
            "ix_outbox_parked_id": "outbox_message (id) WHERE state = 'parked'",
            "ix_outbox_pending_id": "outbox_message (id) WHERE state = 'pending'",
        }
        with Operations.context(MigrationContext.configure(connection)):
            keep_published_outbox_rows()
            restore_outbox_pending_index()
            drop_bus_tables()
        assert sa.inspect(connection).get_table_names() == []
    engine.dispose()

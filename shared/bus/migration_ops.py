"""Alembic operations for the bus tables every service carries (outbox and inbox).

A service's first migration calls `create_bus_tables()`, so the schema is written once, here.
Later changes to these tables get a function of their own, called by a new migration in each service.
Why shared: the outbox relay and the inbox read these tables in every service, so their columns
and indexes must match the models in `shared.bus.outbox` and `shared.bus.inbox` everywhere.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

__all__ = [
    "create_bus_tables",
    "drop_bus_tables",
    "delete_published_outbox_rows",
    "index_outbox_by_state",
    "keep_published_outbox_rows",
    "restore_outbox_pending_index",
]

# Written out, not imported from the model: a migration must do the same thing whatever the model
# says later (tests/unit/bus/test_bus_migration.py holds the two together).
_PUBLISHED_INDEX = ("ix_outbox_published_at", "published_at", "published")
"""(name, column, state) of the published rows' index, which `delete_published_outbox_rows` drops."""
_STATE_INDEXES = (
    ("ix_outbox_pending_id", "id", "pending"),
    _PUBLISHED_INDEX,
    ("ix_outbox_parked_id", "id", "parked"),
)
"""(name, column, state) of each partial index `index_outbox_by_state` creates, in that order."""
_FILLFACTOR = 50  # the outbox's fillfactor from `index_outbox_by_state` to `delete_published_outbox_rows`


def create_bus_tables() -> None:
    """Create ``outbox_message`` (with its pending-rows index) and ``inbox_message``.

    Call it from a service's first migration's ``upgrade()``, inside Alembic's context.
    """
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition_key", sa.String(200), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime()),
    )
    op.create_index("ix_outbox_pending", "outbox_message", ["state", "next_attempt_at", "id"])
    op.create_table(
        "inbox_message",
        sa.Column("consumer_group", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("handled_at", UtcDateTime(), nullable=False),
    )


def drop_bus_tables() -> None:
    """Drop both tables again, for the first migration's ``downgrade()``."""
    op.drop_table("inbox_message")
    op.drop_index("ix_outbox_pending", table_name="outbox_message")
    op.drop_table("outbox_message")


def index_outbox_by_state() -> None:
    """Index the outbox by what reads it, so a lease writes no index entry (a later migration in
    every service calls it; `restore_outbox_pending_index` undoes it).

    Replaces ``ix_outbox_pending (state, next_attempt_at, id)`` with three partial indexes:
    ``ix_outbox_pending_id (id) WHERE state = 'pending'`` (the relay's lease takes the lowest
    pending ids and checks their ``next_attempt_at`` on the row), ``ix_outbox_published_at
    (published_at) WHERE state = 'published'`` (the retention purge) and ``ix_outbox_parked_id
    (id) WHERE state = 'parked'`` (the parked-rows gauge, the operators' list and re-drive). On
    PostgreSQL it also sets the table's fillfactor to 50.

    Why: every lease and every confirmation updated ``next_attempt_at`` or ``state``, both indexed,
    so each wrote a new row version with an entry in all three indexes, and each lease read every
    due row through the old index and sorted it by id (a backlog cost quadratically). Now no index
    holds ``next_attempt_at``: a lease's new version stays on its page with no index entry (a
    heap-only update, which needs the room the fillfactor leaves), and a lease reads the pending
    ids in order. Measured on a 20,000-row outbox: about 31 → 16 ms of SQL per 500-row cycle
    (bench/README.md). The fillfactor applies to pages written from now on.
    """
    op.drop_index("ix_outbox_pending", table_name="outbox_message")
    for name, column, state in _STATE_INDEXES:
        _create_state_index(name, column, state)
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE outbox_message SET (fillfactor = {_FILLFACTOR})")


def restore_outbox_pending_index() -> None:
    """Undo `index_outbox_by_state` (a downgrade)."""
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox_message RESET (fillfactor)")
    for name, _column, _state in reversed(_STATE_INDEXES):
        op.drop_index(name, table_name="outbox_message")
    op.create_index("ix_outbox_pending", "outbox_message", ["state", "next_attempt_at", "id"])


def delete_published_outbox_rows() -> None:
    """The outbox holds only work from now on: the relay deletes a row once the broker acked it
    (a later migration in every service calls this; `keep_published_outbox_rows` undoes it).

    Deletes the rows marked published, drops ``ix_outbox_published_at`` and the
    ``published_at`` column, and on PostgreSQL gives the table back the default fillfactor.

    Why: marking a row published wrote a second version of it with an entry in every index
    (its state changed, and the pending index's predicate reads the state), and the retention
    purge then deleted it again. With the lease kept in the active relay's memory
    (`shared.bus.relay`), a row is now written twice in its life, inserted and deleted, and no
    update needs room on its page. Kafka keeps what was published.
    """
    name, column, state = _PUBLISHED_INDEX
    op.execute(f"DELETE FROM outbox_message WHERE state = '{state}'")
    op.drop_index(name, table_name="outbox_message")
    op.drop_column("outbox_message", column)
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox_message RESET (fillfactor)")


def keep_published_outbox_rows() -> None:
    """Undo `delete_published_outbox_rows` (a downgrade); the deleted rows do not come back."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE outbox_message SET (fillfactor = {_FILLFACTOR})")
    name, column, state = _PUBLISHED_INDEX
    op.add_column("outbox_message", sa.Column(column, UtcDateTime()))
    _create_state_index(name, column, state)


def _create_state_index(name: str, column: str, state: str) -> None:
    """A partial index of the outbox rows in one state, on PostgreSQL and SQLite alike."""
    rows = sa.text(f"state = '{state}'")
    op.create_index(name, "outbox_message", [column], postgresql_where=rows, sqlite_where=rows)

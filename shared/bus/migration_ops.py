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

__all__ = ["create_bus_tables", "drop_bus_tables"]


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

"""Alembic operations for the audit table every service carries, append-only at the database.

Why triggers: the application never updates or deletes an entry, and the database makes sure no
one else does either (a trigger raises on UPDATE and DELETE, on PostgreSQL and SQLite alike).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

__all__ = ["create_audit_table", "drop_audit_table"]

_POSTGRES_GUARD = """
CREATE OR REPLACE FUNCTION audit_entry_is_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION audit_entry_is_append_only();
"""
_SQLITE_GUARDS = (
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
)


def create_audit_table() -> None:
    """Create ``audit_entry`` with its indexes and the triggers that refuse UPDATE and DELETE.

    Call it from a service's migration ``upgrade()``, inside Alembic's context.
    """
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("actor_org", sa.String(64), nullable=False),
        sa.Column("actor_kind", sa.String(32), nullable=False),
        sa.Column("action", sa.String(100), nullable=False, index=True),
        sa.Column("record_type", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False, index=True),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("request_id", sa.String(64)),
        sa.Column("causation_id", sa.String(64)),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_GUARD)
    else:
        for statement in _SQLITE_GUARDS:
            op.execute(statement)


def drop_audit_table() -> None:
    """Drop the table again (and, on PostgreSQL, its trigger and function), for ``downgrade()``."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_is_append_only()")
    op.drop_table("audit_entry")

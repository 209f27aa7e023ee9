"""Idempotency keys for POST commands.

Revision ID: 0004
Revises: 0003
"""

from shared.db.idempotency import create_idempotency_table, drop_idempotency_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()

"""Award table and the bus tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shared.bus.migration_ops import create_bus_tables, drop_bus_tables
from shared.db.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_bus_tables()
    op.create_table(
        "award",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("basis_fen", sa.BigInteger, nullable=False),
        sa.Column("ratio", sa.Numeric(6, 4), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("proposed_at", UtcDateTime(), nullable=False),
        sa.Column("approved_at", UtcDateTime()),
        sa.Column("approved_by", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("award")
    drop_bus_tables()

"""Ledger tables and the bus tables.

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
        "community",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("street_office", sa.String(200)),
        sa.Column("residents_committee", sa.String(200)),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("built_year", sa.Integer, nullable=False),
        sa.Column("buildings", sa.Integer, nullable=False),
        sa.Column("households", sa.Integer, nullable=False),
        sa.Column("floor_area_m2", sa.Numeric(12, 2), nullable=False),
        sa.Column("exclusions", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "project",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("community_id", sa.Uuid, sa.ForeignKey("community.id"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("investment_fen", sa.BigInteger, nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("accepted_on", sa.Date),
        sa.Column("audited_investment_fen", sa.BigInteger),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("project")
    op.drop_table("community")
    drop_bus_tables()

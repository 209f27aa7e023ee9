"""District rollup projection and the bus tables.

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
        "district_rollup",
        sa.Column("district_code", sa.String(64), primary_key=True),
        sa.Column("registered_projects", sa.Integer, nullable=False),
        sa.Column("accepted_projects", sa.Integer, nullable=False),
        sa.Column("approved_award_fen", sa.BigInteger, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("district_rollup")
    drop_bus_tables()

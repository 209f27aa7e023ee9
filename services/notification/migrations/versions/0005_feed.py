"""The pull feed: every event consumed, in order.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_entry",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(200), nullable=False, index=True),
        sa.Column("district_code", sa.String(64)),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("stored_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feed_entry")

"""Each project's approved catalogue items, to route works events by responsibility; the feed
remembers the utilities a works event was assigned to.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_items",
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("plan_version", sa.Integer, nullable=False),
        sa.Column("item_codes", sa.JSON, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    with op.batch_alter_table("feed_entry") as batch:
        batch.add_column(sa.Column("assigned_utilities", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("feed_entry") as batch:
        batch.drop_column("assigned_utilities")
    op.drop_table("project_items")

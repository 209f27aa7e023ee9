"""E-mail and inbox channels: a subscription names a URL, a mailbox or neither; inbox items.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.alter_column("endpoint_url", existing_type=sa.String(2000), nullable=True)
        batch.add_column(sa.Column("email_address", sa.String(254)))
    op.create_table(
        "inbox_item",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("org_code", sa.String(64), nullable=False, index=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("read_at", UtcDateTime()),
        sa.UniqueConstraint("org_code", "event_id"),
    )


def downgrade() -> None:
    op.drop_table("inbox_item")
    with op.batch_alter_table("subscription") as batch:
        batch.drop_column("email_address")
        batch.alter_column("endpoint_url", existing_type=sa.String(2000), nullable=False)

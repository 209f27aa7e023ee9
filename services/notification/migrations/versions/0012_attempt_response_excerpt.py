"""A bounded excerpt of the receiver's answer on each attempt, shown to the subscription's owner
(issue 10: "Response excerpts are stored for the owner, bounded").

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_attempt") as batch:
        batch.add_column(sa.Column("response_excerpt", sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_attempt") as batch:
        batch.drop_column("response_excerpt")

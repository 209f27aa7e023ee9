"""Secret rotation with an overlap in which both secrets sign.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.add_column(sa.Column("previous_secret", sa.String(200)))
        batch.add_column(sa.Column("previous_secret_until", UtcDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.drop_column("previous_secret_until")
        batch.drop_column("previous_secret")

"""Subscription filters: programmes, districts and catalogue items (null: every one).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("programme_codes", "district_codes", "item_codes")


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)

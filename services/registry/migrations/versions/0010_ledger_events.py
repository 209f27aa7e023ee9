"""The business date each project entered the ledger (台账), for its ProjectRegistered event.

Revision ID: 0010
Revises: 0009

Projects opened before it keep NULL: their event's time stands for the date (as the
contract says), and the API shows null rather than a guessed day.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("registered_on", sa.Date, nullable=True))
    op.create_index("ix_project_registered_on", "project", ["registered_on"])


def downgrade() -> None:
    op.drop_index("ix_project_registered_on", table_name="project")
    with op.batch_alter_table("project") as batch:
        batch.drop_column("registered_on")

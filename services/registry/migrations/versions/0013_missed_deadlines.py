"""Missed step deadlines, flagged once each by the registry's sweep (StepDeadlineMissed).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "missed_deadline",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("deadline_code", sa.String(64), primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("flagged_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_missed_deadline_district_code", "missed_deadline", ["district_code"])


def downgrade() -> None:
    op.drop_index("ix_missed_deadline_district_code", table_name="missed_deadline")
    op.drop_table("missed_deadline")

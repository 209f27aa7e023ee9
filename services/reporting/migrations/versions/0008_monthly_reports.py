"""Monthly progress reports (Zhengzhou 2018 五(二)): one per programme, month and reporter.

A department's report has no district. Empty at first: the reports are filed through the API.

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
        "monthly_report",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("month_start", sa.Date, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("reporter_code", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(64), index=True),
        sa.Column("projects_started", sa.Integer, nullable=False),
        sa.Column("projects_completed", sa.Integer, nullable=False),
        sa.Column("projects_accepted", sa.Integer, nullable=False),
        sa.Column("investment_completed_fen", sa.BigInteger, nullable=False),
        sa.Column("narrative", sa.Text, nullable=False),
        sa.Column("problems", sa.Text),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("deadline", UtcDateTime(), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.UniqueConstraint("programme_code", "month_start", "reporter_code"),
        sa.CheckConstraint(
            "investment_completed_fen BETWEEN 0 AND 10000000000000", name="ck_monthly_report_fen"
        ),
    )


def downgrade() -> None:
    op.drop_table("monthly_report")

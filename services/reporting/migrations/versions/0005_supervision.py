"""Lifecycle and money figures per district and day; weekly reports, overdue flags, bulletins.

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

LIMIT = 10**18
NEW_FIGURES = (
    "reviews_passed",
    "tendered_projects",
    "started_projects",
    "completed_projects",
    "acceptance_failures",
    "rectifications_completed",
    "taken_over_projects",
    "closed_projects",
    "award_adjustment_fen",
    "paid_fen",
    "weekly_reports_overdue",
    "lagging_in_bulletins",
)


def upgrade() -> None:
    with op.batch_alter_table("district_day") as batch:
        for name in NEW_FIGURES:
            batch.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0")))
            batch.create_check_constraint(f"ck_district_day_{name}", f"{name} BETWEEN {-LIMIT} AND {LIMIT}")
    op.create_table(
        "weekly_report",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("reporter_code", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
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
        sa.UniqueConstraint("programme_code", "week_start", "reporter_code"),
        sa.CheckConstraint(
            "investment_completed_fen BETWEEN 0 AND 10000000000000", name="ck_weekly_report_fen"
        ),
    )
    op.create_table(
        "weekly_report_overdue",
        sa.Column("programme_code", sa.String(64), primary_key=True),
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("reporter_code", sa.String(64), primary_key=True),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("flagged_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "bulletin",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.UniqueConstraint("programme_code", "week_start"),
    )


def downgrade() -> None:
    op.drop_table("bulletin")
    op.drop_table("weekly_report_overdue")
    op.drop_table("weekly_report")
    with op.batch_alter_table("district_day") as batch:
        for name in NEW_FIGURES:
            batch.drop_constraint(f"ck_district_day_{name}", type_="check")
            batch.drop_column(name)

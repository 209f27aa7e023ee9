"""Utilities' pipeline work inside projects, and construction-completion exemptions.

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
    op.create_table(
        "pipeline_exemption",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("project.id"), nullable=False, index=True),
        sa.Column("work_ids", sa.JSON, nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("exempted_on", sa.Date, nullable=False),
        sa.Column("actor_org", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "pipeline_work",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("project.id"), nullable=False, index=True),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("item_code", sa.String(64), nullable=False),
        sa.Column("utility_code", sa.String(64), nullable=False, index=True),
        sa.Column("scope", sa.String(2000), nullable=False),
        sa.Column("planned_start_on", sa.Date, nullable=False),
        sa.Column("planned_end_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_on", sa.Date),
        sa.Column("completed_on", sa.Date),
        sa.Column("scope_done", sa.String(2000)),
        sa.Column("evidence_ref", sa.String(200)),
        sa.Column("exemption_id", sa.Integer, sa.ForeignKey("pipeline_exemption.id")),
        sa.Column("assigned_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pipeline_work")
    op.drop_table("pipeline_exemption")

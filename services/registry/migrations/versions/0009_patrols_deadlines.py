"""Zhongyuan's daily safety patrols and tracked step deadlines; demonstration areas (示范区).

Revision ID: 0009
Revises: 0008

Deadlines are computed from the profile and each project's timeline, so they need no table.
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safety_patrol",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("project.id"), nullable=False, index=True),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("patrolled_on", sa.Date, nullable=False, index=True),
        sa.Column("findings", sa.String(2000), nullable=False),
        sa.Column("hazards", sa.JSON, nullable=False),
        sa.Column("contractor_notified", sa.Boolean, nullable=False),
        sa.Column("note", sa.String(2000)),
        sa.Column("actor_org", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("project_id", "patrolled_on", name="uq_safety_patrol_project_day"),
    )
    op.create_table(
        "demonstration_area",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("programme_code", sa.String(64), nullable=False, index=True),
        sa.Column("area_km2", sa.Numeric(6, 2)),
        sa.Column("note", sa.String(2000)),
        sa.Column("actor_org", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "demonstration_area_community",
        sa.Column("community_id", sa.Uuid, sa.ForeignKey("community.id"), primary_key=True),
        sa.Column("area_id", sa.Uuid, sa.ForeignKey("demonstration_area.id"), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("demonstration_area_community")
    op.drop_table("demonstration_area")
    op.drop_table("safety_patrol")

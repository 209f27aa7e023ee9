"""The central-fund list (Kaifeng 三): listed communities, projects' communities, the tender day.

Empty at first: replaying the registry topics from the start (docs/operations.md, "Rebuilding
reporting") fills them, as it fills every projection.

Revision ID: 0009
Revises: 0008
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
        "central_listing",
        sa.Column("community_id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False),
        sa.Column("listed_on", sa.Date, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_central_listing_programme", "central_listing", ["programme_code", "district_code"])
    op.create_table(
        "project_member",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("community_id", sa.Uuid, primary_key=True),
    )
    op.create_index("ix_project_member_community", "project_member", ["community_id"])
    with op.batch_alter_table("project_street") as batch:
        batch.add_column(sa.Column("tendered_on", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("project_street") as batch:
        batch.drop_column("tendered_on")
    op.drop_index("ix_project_member_community", "project_member")
    op.drop_table("project_member")
    op.drop_index("ix_central_listing_programme", "central_listing")
    op.drop_table("central_listing")

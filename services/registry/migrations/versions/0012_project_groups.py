"""A project may renovate a contiguous group of communities (集中连片, Kaifeng 二(三)).

`project.grouped_community_ids` lists the group's further communities as the project shows them
(empty for one community, as every existing project is); `project_community` holds one row per
further community, so a community's history finds the group projects it belongs to.

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
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("grouped_community_ids", sa.JSON, nullable=False, server_default="[]"))
    op.create_table(
        "project_community",
        sa.Column("project_id", sa.Uuid, sa.ForeignKey("project.id"), primary_key=True),
        sa.Column("community_id", sa.Uuid, sa.ForeignKey("community.id"), primary_key=True),
    )
    op.create_index("ix_project_community_community_id", "project_community", ["community_id"])


def downgrade() -> None:
    op.drop_index("ix_project_community_community_id", table_name="project_community")
    op.drop_table("project_community")
    with op.batch_alter_table("project") as batch:
        batch.drop_column("grouped_community_ids")

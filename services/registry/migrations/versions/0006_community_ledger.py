"""The ledger keeps every surveyed community, eligible or not, and every assessment.

Revision ID: 0006
Revises: 0005

Communities registered before this revision were all eligible (registration refused the
others), so they start eligible with an empty list of checks; their first assessment is not
reconstructed.
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("community") as batch:
        batch.add_column(sa.Column("address", sa.String(200)))
        batch.add_column(sa.Column("property_right_type", sa.String(200)))
        batch.add_column(sa.Column("property_management", sa.String(200)))
        batch.add_column(sa.Column("notes", sa.String(2000)))
        batch.add_column(sa.Column("eligible", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("eligibility", sa.JSON, nullable=True))
        batch.add_column(sa.Column("tier", sa.String(64)))
        batch.add_column(sa.Column("demonstration", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("centrally_funded", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("updated_at", UtcDateTime(), nullable=True))
    community = sa.table(
        "community",
        sa.column("eligibility", sa.JSON),
        sa.column("created_at", UtcDateTime()),
        sa.column("updated_at", UtcDateTime()),
    )
    op.execute(community.update().values(eligibility=[], updated_at=community.c.created_at))
    with op.batch_alter_table("community") as batch:
        batch.alter_column("eligibility", existing_type=sa.JSON, nullable=False)
        batch.alter_column("updated_at", existing_type=UtcDateTime(), nullable=False)
        batch.create_index("ix_community_programme_code", ["programme_code"])
    op.create_table(
        "community_assessment",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community_id", sa.Uuid, sa.ForeignKey("community.id"), nullable=False, index=True),
        sa.Column("built_year", sa.Integer, nullable=False),
        sa.Column("exclusions", sa.JSON, nullable=False),
        sa.Column("eligible", sa.Boolean, nullable=False),
        sa.Column("eligibility", sa.JSON, nullable=False),
        sa.Column("note", sa.String(2000)),
        sa.Column("actor_org", sa.String(64), nullable=False),
        sa.Column("assessed_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("community_assessment")
    with op.batch_alter_table("community") as batch:
        batch.drop_index("ix_community_programme_code")
        for column in (
            "updated_at",
            "centrally_funded",
            "demonstration",
            "tier",
            "eligibility",
            "eligible",
            "notes",
            "property_management",
            "property_right_type",
            "address",
        ):
            batch.drop_column(column)

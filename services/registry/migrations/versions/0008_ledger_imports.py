"""Spreadsheet import jobs of the community ledger.

Revision ID: 0008
Revises: 0007

Also indexes on the community table: the natural key an import looks rows up by (programme,
district, name), the list's stable order (created_at, id), alone and after a programme or a
district (a district's list is always narrowed to it), so a page of a large ledger is read from an
index instead of sorting the table, and the office's filters (street office, tier, the
demonstration and central-fund flags), so a filtered total does not read every row.
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_FILTERED = ("street_office", "tier", "demonstration", "centrally_funded")


def upgrade() -> None:
    op.create_table(
        "ledger_import",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("file_format", sa.String(8), nullable=False),
        sa.Column("filename", sa.String(200)),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_valid", sa.Integer, nullable=False),
        sa.Column("rows_invalid", sa.Integer, nullable=False),
        sa.Column("rows_imported", sa.Integer, nullable=False),
        sa.Column("rows_unchanged", sa.Integer, nullable=False),
        sa.Column("problems_total", sa.Integer, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("unchanged", sa.JSON, nullable=False),
        sa.Column("failure", sa.JSON),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("actor_org", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime()),
    )
    op.create_index("ix_community_natural_key", "community", ["programme_code", "district_code", "name"])
    op.create_index("ix_community_created_at_id", "community", ["created_at", "id"])
    op.create_index("ix_community_programme_order", "community", ["programme_code", "created_at", "id"])
    op.create_index("ix_community_district_order", "community", ["district_code", "created_at", "id"])
    for column in _FILTERED:
        op.create_index(f"ix_community_{column}", "community", [column])


def downgrade() -> None:
    for column in _FILTERED:
        op.drop_index(f"ix_community_{column}", table_name="community")
    op.drop_index("ix_community_district_order", table_name="community")
    op.drop_index("ix_community_programme_order", table_name="community")
    op.drop_index("ix_community_created_at_id", table_name="community")
    op.drop_index("ix_community_natural_key", table_name="community")
    op.drop_table("ledger_import")

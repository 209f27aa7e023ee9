"""Funding sources: commitments and receipts per project, append-only.

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

CEILING = 10**13
TABLE = "funding_source_entry"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("source_code", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "amount_fen",
            sa.BigInteger,
            sa.CheckConstraint(f"amount_fen BETWEEN 1 AND {CEILING}"),
            nullable=False,
        ),
        sa.Column("dated_on", sa.Date, nullable=False),
        sa.Column("item_code", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION {TABLE}_is_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{TABLE} is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_is_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_is_append_only()")
    op.drop_table(TABLE)

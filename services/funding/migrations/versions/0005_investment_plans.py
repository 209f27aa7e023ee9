"""Investment plan versions by renovation item, append-only (a revision is a new version).

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

CEILING = 10**13
APPEND_ONLY = ("investment_plan", "investment_plan_item")


def _append_only(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION {table}_is_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_is_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def upgrade() -> None:
    op.create_table(
        "investment_plan",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("dated_on", sa.Date, nullable=False),
        sa.Column(
            "investment_fen",
            sa.BigInteger,
            sa.CheckConstraint(f"investment_fen BETWEEN 0 AND {CEILING}"),
            nullable=False,
        ),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("project_id", "version", "state", name="investment_plan_one_per_state"),
    )
    op.create_table(
        "investment_plan_item",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.Uuid, sa.ForeignKey("investment_plan.id"), nullable=False, index=True),
        sa.Column("item_code", sa.String(64), nullable=False),
        sa.Column(
            "investment_fen",
            sa.BigInteger,
            sa.CheckConstraint(f"investment_fen BETWEEN 0 AND {CEILING}"),
            nullable=False,
        ),
        sa.Column("funded_by", sa.String(200), nullable=False),
        sa.Column("funded_by_clause", sa.String(32), nullable=False),
    )
    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_is_append_only()")
    op.drop_table("investment_plan_item")
    op.drop_table("investment_plan")

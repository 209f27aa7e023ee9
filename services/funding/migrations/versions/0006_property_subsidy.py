"""Property-service subsidy: takeovers, schedules, scheduled months, payments (append-only).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CEILING = 10**13
APPEND_ONLY = ("property_subsidy_schedule", "property_subsidy_month", "property_subsidy_payment")


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


def _money(name: str, low: int = 0) -> sa.Column:
    return sa.Column(
        name, sa.BigInteger, sa.CheckConstraint(f"{name} BETWEEN {low} AND {CEILING}"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "property_takeover",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("taken_over_on", sa.Date, nullable=False),
        sa.Column("mode", sa.String(64), nullable=False),
        sa.Column("manager", sa.String(200), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "property_subsidy_schedule",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("floor_area_m2", sa.Numeric(13, 2), nullable=False),
        sa.Column("taken_over_on", sa.Date, nullable=False),
        sa.Column("months", sa.Integer, nullable=False),
        _money("total_fen"),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "property_subsidy_month",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "schedule_id", sa.Uuid, sa.ForeignKey("property_subsidy_schedule.id"), nullable=False, index=True
        ),
        sa.Column("month", sa.Date, nullable=False),
        _money("amount_fen"),
        sa.UniqueConstraint("schedule_id", "month", name="property_subsidy_month_once"),
    )
    op.create_table(
        "property_subsidy_payment",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "schedule_id", sa.Uuid, sa.ForeignKey("property_subsidy_schedule.id"), nullable=False, index=True
        ),
        sa.Column("month", sa.Date, nullable=False),
        _money("amount_fen", low=1),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_is_append_only()")
    op.drop_table("property_subsidy_payment")
    op.drop_table("property_subsidy_month")
    op.drop_table("property_subsidy_schedule")
    op.drop_table("property_takeover")

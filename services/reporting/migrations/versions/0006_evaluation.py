"""Indicators, monthly evaluations, forecasts and restatements.

Floor area taken over and daily safety patrols join the daily figures. Indicator reports districts file (with the data each value comes from) and monthly evaluations,
published once per programme and month and then frozen. Forecasts and restatements are computed
from the daily figures and need no table of their own.

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


LIMIT = 10**18
NEW_FIGURES = ("taken_over_floor_area_dm2", "patrols_recorded", "patrol_hazards")


def upgrade() -> None:
    with op.batch_alter_table("district_day") as batch:
        for name in NEW_FIGURES:
            batch.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0")))
            batch.create_check_constraint(f"ck_district_day_{name}", f"{name} BETWEEN {-LIMIT} AND {LIMIT}")
    op.create_table(
        "indicator_report",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False, index=True),
        sa.Column("indicator_code", sa.String(64), nullable=False),
        sa.Column("measured_on", sa.Date, nullable=False),
        sa.Column("numerator", sa.Numeric(18, 6), nullable=False),
        sa.Column("denominator", sa.Numeric(18, 6)),
        sa.Column("value", sa.Numeric(18, 6), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("reported_at", UtcDateTime(), nullable=False),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("programme_code", "district_code", "indicator_code", "measured_on"),
        sa.CheckConstraint(
            "numerator >= 0 AND (denominator IS NULL OR denominator > 0)", name="ck_indicator_data"
        ),
    )
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("month_start", sa.Date, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.UniqueConstraint("programme_code", "month_start"),
    )


def downgrade() -> None:
    op.drop_table("evaluation")
    op.drop_table("indicator_report")
    with op.batch_alter_table("district_day") as batch:
        for name in NEW_FIGURES:
            batch.drop_constraint(f"ck_district_day_{name}", type_="check")
            batch.drop_column(name)

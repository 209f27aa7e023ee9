"""Indicators, monthly evaluations, forecasts and restatements.

Floor area taken over and daily safety patrols join the daily figures; the figures are also
kept per month (district_month), so a rollup as of a day reads months, not every day; the
utilities' pipeline work is counted per company (utility_day). Indicator reports districts file
with the data each value comes from; monthly evaluations are published once per programme and
month, then frozen. Forecasts and restatements are computed from the figures: no table.

Revision ID: 0006
Revises: 0005
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


LIMIT = 10**18
NEW_FIGURES = ("taken_over_floor_area_dm2", "patrols_recorded", "patrol_hazards")
ALL_FIGURES = (
    "registered_projects",
    "registered_investment_fen",
    "reviews_passed",
    "tendered_projects",
    "started_projects",
    "completed_projects",
    "acceptance_failures",
    "rectifications_completed",
    "accepted_projects",
    "accepted_investment_fen",
    "taken_over_projects",
    "closed_projects",
    "approved_awards",
    "approved_award_fen",
    "award_adjustment_fen",
    "paid_fen",
    "weekly_reports_overdue",
    "lagging_in_bulletins",
    *NEW_FIGURES,
)


def upgrade() -> None:
    with op.batch_alter_table("district_day") as batch:
        for name in NEW_FIGURES:
            batch.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0")))
            batch.create_check_constraint(f"ck_district_day_{name}", f"{name} BETWEEN {-LIMIT} AND {LIMIT}")
    months = op.create_table(
        "district_month",
        sa.Column("programme_code", sa.String(64), primary_key=True),
        sa.Column("district_code", sa.String(64), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        *[
            sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0"))
            for name in ALL_FIGURES
        ],
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        *[
            sa.CheckConstraint(f"{name} BETWEEN {-LIMIT} AND {LIMIT}", name=f"ck_district_month_{name}")
            for name in ALL_FIGURES
        ],
    )
    _backfill_months(months)
    # a programme's days in a date range (the rollup's last month), every district at once
    op.create_index("ix_district_day_programme_day", "district_day", ["programme_code", "day"])
    op.create_table(
        "utility_day",
        sa.Column("programme_code", sa.String(64), primary_key=True),
        sa.Column("district_code", sa.String(64), primary_key=True),
        sa.Column("utility_code", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        *[
            sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0"))
            for name in ("works_assigned", "works_started", "works_completed", "exemptions")
        ],
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
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


def _backfill_months(months: sa.Table) -> None:
    """Sum the daily rows already projected into their months (empty on a fresh database)."""
    days = sa.table(
        "district_day",
        sa.column("programme_code", sa.String),
        sa.column("district_code", sa.String),
        sa.column("day", sa.Date),
        sa.column("updated_at", UtcDateTime()),
        *[sa.column(name, sa.BigInteger) for name in ALL_FIGURES],
    )
    totals: dict[tuple[str, str, date], dict[str, object]] = {}
    for row in op.get_bind().execute(sa.select(days)).mappings():
        key = (row["programme_code"], row["district_code"], row["day"].replace(day=1))
        found = totals.setdefault(key, {**dict.fromkeys(ALL_FIGURES, 0), "updated_at": row["updated_at"]})
        for name in ALL_FIGURES:
            found[name] += row[name]  # type: ignore[operator]
        found["updated_at"] = max(found["updated_at"], row["updated_at"])  # type: ignore[type-var]
    if totals:
        op.bulk_insert(
            months,
            [
                {"programme_code": p, "district_code": d, "month": m, **values}
                for (p, d, m), values in sorted(totals.items())
            ],
        )


def downgrade() -> None:
    op.drop_table("evaluation")
    op.drop_table("indicator_report")
    op.drop_table("utility_day")
    op.drop_table("district_month")
    op.drop_index("ix_district_day_programme_day", table_name="district_day")
    with op.batch_alter_table("district_day") as batch:
        for name in NEW_FIGURES:
            batch.drop_constraint(f"ck_district_day_{name}", type_="check")
            batch.drop_column(name)

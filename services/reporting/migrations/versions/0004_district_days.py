"""Daily deltas per programme and district replace the single counter row per district.

Rollups as of a past day need to know when each figure changed; a counter row cannot say. The
old totals are kept as one row dated on their last update, under programme "unknown" (the old
table did not record the programme); replaying the topics rebuilds the exact history.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from shared.clock import shanghai_date
from shared.db.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LIMIT = 10**18
FIGURES = (
    "registered_projects",
    "registered_investment_fen",
    "accepted_projects",
    "accepted_investment_fen",
    "approved_awards",
    "approved_award_fen",
)


def upgrade() -> None:
    table = op.create_table(
        "district_day",
        sa.Column("programme_code", sa.String(64), primary_key=True),
        sa.Column("district_code", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        *[sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0")) for name in FIGURES],
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        *[
            sa.CheckConstraint(f"{name} BETWEEN {-LIMIT} AND {LIMIT}", name=f"ck_district_day_{name}")
            for name in FIGURES
        ],
    )
    old = sa.table(
        "district_rollup",
        sa.column("district_code", sa.String),
        sa.column("registered_projects", sa.Integer),
        sa.column("accepted_projects", sa.Integer),
        sa.column("approved_award_fen", sa.BigInteger),
        sa.column("updated_at", UtcDateTime()),
    )
    rows = op.get_bind().execute(sa.select(old)).mappings().all()
    if rows:
        op.bulk_insert(
            table,
            [
                {
                    "programme_code": "unknown",
                    "district_code": row["district_code"],
                    "day": shanghai_date(row["updated_at"]),
                    "registered_projects": row["registered_projects"],
                    "registered_investment_fen": 0,
                    "accepted_projects": row["accepted_projects"],
                    "accepted_investment_fen": 0,
                    "approved_awards": 0,
                    "approved_award_fen": row["approved_award_fen"],
                    "updated_at": row["updated_at"],
                }
                for row in rows
            ],
        )
    op.drop_table("district_rollup")


def downgrade() -> None:
    op.create_table(
        "district_rollup",
        sa.Column("district_code", sa.String(64), primary_key=True),
        sa.Column("registered_projects", sa.Integer, nullable=False),
        sa.Column("accepted_projects", sa.Integer, nullable=False),
        sa.Column("approved_award_fen", sa.BigInteger, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.execute(
        "INSERT INTO district_rollup (district_code, registered_projects, accepted_projects,"
        " approved_award_fen, updated_at)"
        " SELECT district_code, sum(registered_projects), sum(accepted_projects), sum(approved_award_fen),"
        " max(updated_at) FROM district_day GROUP BY district_code"
    )
    op.drop_table("district_day")

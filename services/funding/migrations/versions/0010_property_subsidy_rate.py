"""A property-subsidy schedule keeps the rate it pays and, below the standard, the district's reason.

Zhengzhou 2019 五(三) sets the rate "in principle at least 0.3 yuan per m² per month": a district may
pay more, or less with a reason (flagged, not refused). Schedules made before this revision paid
the programme's minimum; their rate stays null and is read from the profile.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("property_subsidy_schedule", sa.Column("fen_per_m2_month", sa.Integer, nullable=True))
    op.add_column(
        "property_subsidy_schedule", sa.Column("below_standard_reason", sa.String(200), nullable=True)
    )


def downgrade() -> None:
    # ALTER TABLE .. DROP COLUMN on both (SQLite 3.35+), so the table keeps its CHECKs; batch mode
    # would rebuild it from reflection and drop the unnamed ones.
    for column in ("below_standard_reason", "fen_per_m2_month"):
        op.execute(f"ALTER TABLE property_subsidy_schedule DROP COLUMN {column}")

"""Step deadlines missed (the registry's StepDeadlineMissed) join the daily and monthly figures.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LIMIT = 10**18
TABLES = ("district_day", "district_month")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("deadlines_missed", sa.BigInteger, nullable=False, server_default=sa.text("0"))
            )
            batch.create_check_constraint(
                f"ck_{table}_deadlines_missed", f"deadlines_missed BETWEEN {-LIMIT} AND {LIMIT}"
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"ck_{table}_deadlines_missed", type_="check")
            batch.drop_column("deadlines_missed")

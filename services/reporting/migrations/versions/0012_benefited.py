"""Households and floor area benefited: what accepted projects renovated (ProjectAccepted's sizes).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LIMIT = 10**18
TABLES = ("district_day", "district_month")
FIGURES = ("benefited_households", "benefited_floor_area_dm2")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for name in FIGURES:
                batch.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0")))
                batch.create_check_constraint(f"ck_{table}_{name}", f"{name} BETWEEN {-LIMIT} AND {LIMIT}")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for name in FIGURES:
                batch.drop_constraint(f"ck_{table}_{name}", type_="check")
                batch.drop_column(name)

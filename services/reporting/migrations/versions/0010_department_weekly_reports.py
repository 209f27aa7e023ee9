"""Departments file weekly reports too (Kaifeng 七(六) 各单位): a department's report has no district.

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
    for table in ("weekly_report", "weekly_report_overdue"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("district_code", existing_type=sa.String(64), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM weekly_report WHERE district_code IS NULL")
    op.execute("DELETE FROM weekly_report_overdue WHERE district_code IS NULL")
    for table in ("weekly_report", "weekly_report_overdue"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("district_code", existing_type=sa.String(64), nullable=False)

"""The ledger per street office: ledger figures on the district rows, street_day and project_street.

District rows gain the ledger's figures (communities, eligible, households and floor area of the
eligible ones); `street_day` keeps them with the projects by step per street office ("" for none);
`project_street` remembers each project's street office for its later events. All start at zero:
replaying the registry's topic from the start fills them (`renovation replay reporting`).

Revision ID: 0007
Revises: 0006
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from shared.db.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LIMIT = 10**18
LEDGER_FIGURES = (
    "ledger_communities",
    "eligible_communities",
    "eligible_households",
    "eligible_floor_area_dm2",
)
STREET_FIGURES = (
    *LEDGER_FIGURES,
    "registered_projects",
    "started_projects",
    "completed_projects",
    "accepted_projects",
    "closed_projects",
)


def _figures(table: str, names: tuple[str, ...]) -> list[Any]:
    return [
        *[sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0")) for name in names],
        *[
            sa.CheckConstraint(f"{name} BETWEEN {-LIMIT} AND {LIMIT}", name=f"ck_{table}_{name}")
            for name in names
        ],
    ]


def upgrade() -> None:
    for table in ("district_day", "district_month"):
        with op.batch_alter_table(table) as batch:
            for name in LEDGER_FIGURES:
                batch.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default=sa.text("0")))
                batch.create_check_constraint(f"ck_{table}_{name}", f"{name} BETWEEN {-LIMIT} AND {LIMIT}")
    op.create_table(
        "street_day",
        sa.Column("programme_code", sa.String(64), primary_key=True),
        sa.Column("district_code", sa.String(64), primary_key=True),
        sa.Column("street_office", sa.String(200), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        *_figures("street_day", STREET_FIGURES),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_street_day_district_day", "street_day", ["programme_code", "district_code", "day"])
    op.create_table(
        "project_street",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("programme_code", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(64), nullable=False),
        sa.Column("street_office", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200)),
        *[
            sa.Column(day, sa.Date)
            for day in ("registered_on", "started_on", "completed_on", "accepted_on", "closed_on")
        ],
    )
    op.create_index("ix_project_street_office", "project_street", ["district_code", "street_office"])


def downgrade() -> None:
    op.drop_index("ix_project_street_office", table_name="project_street")
    op.drop_table("project_street")
    op.drop_index("ix_street_day_district_day", table_name="street_day")
    op.drop_table("street_day")
    for table in ("district_month", "district_day"):
        with op.batch_alter_table(table) as batch:
            for name in LEDGER_FIGURES:
                batch.drop_constraint(f"ck_{table}_{name}", type_="check")
                batch.drop_column(name)

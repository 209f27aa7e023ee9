"""Drop the community table's single-column programme and district indexes.

Revision ID: 0011
Revises: 0010

Each is the leading column of a composite index that 0008 added for the list's order
(`ix_community_programme_order`, `ix_community_district_order`; the programme also leads
`ix_community_natural_key`), so every query either could use is served as well by those, and
both planners pick the composite ones. Each index is written on every insert: the 20,000-row
ledger import maintained eleven community indexes per row, now nine.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_REDUNDANT = {"ix_community_programme_code": "programme_code", "ix_community_district_code": "district_code"}


def upgrade() -> None:
    for name in _REDUNDANT:
        op.drop_index(name, table_name="community")


def downgrade() -> None:
    for name, column in _REDUNDANT.items():
        op.create_index(name, "community", [column])

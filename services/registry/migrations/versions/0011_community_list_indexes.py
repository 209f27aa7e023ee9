"""The community list's order indexes also hold every filter, so a filtered page and its total
are read from an index, never from the ledger rows.

Revision ID: 0011
Revises: 0010

Why: a ledger row is wide (its eligibility checks with their clauses are about 1 KB), and 0008's
indexes held only the order (or one filter), so a filter they did not hold (a district's list of
its eligible communities, a street office inside a district) read every row of the district: on
a 20,000-community SQLite ledger a district's page and total took 25-55 ms, and the office's
tier or street-office page sorted the rows it found. Now the three order indexes are (the
programme, the district or nothing; created_at, id; every other filter): the planner walks the
list's order and checks the filters inside the index, 3-6 ms for any filter on that ledger (the
bench's ten shapes: 18.5 ms on average before, 4.0 after). The list query is
`services.registry.handlers.communities.list_communities`; a test reads its plans.

Dropped, because every index is written on each insert (the import writes 20,000 rows): the
single-column programme and district indexes (each leads the order index of the same name), and
the street-office and tier indexes (the widened `ix_community_created_at_id` answers them from
its entries; as single columns they made the office's page fetch and sort the rows). The
demonstration and central-fund flags keep theirs: few communities carry either flag, so a page
of them reads few rows. A filter-by-filter covering index each was tried and measured: about
1 ms per query, but the import ran about 20% slower with seven wide indexes to write.
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FILTERS = (
    "programme_code",
    "district_code",
    "street_office",
    "eligible",
    "tier",
    "demonstration",
    "centrally_funded",
)
"""The list's equality filters (GET /communities)."""
_ORDER = ("created_at", "id")
_LEADS = {
    "ix_community_created_at_id": None,
    "ix_community_programme_order": "programme_code",
    "ix_community_district_order": "district_code",
}
_BEFORE = {
    "ix_community_created_at_id": list(_ORDER),
    "ix_community_programme_order": ["programme_code", *_ORDER],
    "ix_community_district_order": ["district_code", *_ORDER],
}
_REDUNDANT = {
    "ix_community_programme_code": "programme_code",
    "ix_community_district_code": "district_code",
    "ix_community_street_office": "street_office",
    "ix_community_tier": "tier",
}


def _covering(lead: str | None) -> list[str]:
    return [*([lead] if lead else []), *_ORDER, *(f for f in FILTERS if f != lead)]


def upgrade() -> None:
    for name in _REDUNDANT:
        op.drop_index(name, table_name="community")
    for name, lead in _LEADS.items():
        op.drop_index(name, table_name="community")
        op.create_index(name, "community", _covering(lead))


def downgrade() -> None:
    for name, columns in _BEFORE.items():
        op.drop_index(name, table_name="community")
        op.create_index(name, "community", columns)
    for name, column in _REDUNDANT.items():
        op.create_index(name, "community", [column])

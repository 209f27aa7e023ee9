"""The community list's indexes: each filter's index also holds the list's order and the other
filters, so a filtered page and its total are read from one index, never from the ledger rows.

Revision ID: 0011
Revises: 0010

Why: a ledger row is wide (its eligibility checks with their clauses are about 1 KB), and 0008's
indexes held only their own column, so a filter the index did not cover (a district's list of
its eligible communities, a street office inside a district) read every row of the district: on
a 20,000-community SQLite ledger a district's page and total took 25-55 ms, and the office's
tier or street-office page sorted the rows it found. Now each index is (its filter, created_at,
id, every other filter): the planner finds the page in the list's order and checks the other
filters in the index (15-20x less on that ledger). The list query is
`services.registry.handlers.communities.list_communities`; a test reads its plans.

The single-column programme and district indexes are dropped: each is the leading column of
the order index of the same name here, and every index is written on each insert.
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
    "ix_community_street_office": "street_office",
    "ix_community_tier": "tier",
    "ix_community_demonstration": "demonstration",
    "ix_community_centrally_funded": "centrally_funded",
}
_BEFORE = {
    "ix_community_created_at_id": list(_ORDER),
    "ix_community_programme_order": ["programme_code", *_ORDER],
    "ix_community_district_order": ["district_code", *_ORDER],
    "ix_community_street_office": ["street_office"],
    "ix_community_tier": ["tier"],
    "ix_community_demonstration": ["demonstration"],
    "ix_community_centrally_funded": ["centrally_funded"],
}
_REDUNDANT = {"ix_community_programme_code": "programme_code", "ix_community_district_code": "district_code"}


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

"""The community list reads its pages and totals from an index, never from the ledger rows.

A ledger row is wide (its eligibility checks with their clauses), so a filter an index does not
hold made a district's page read every row of the district (25-55 ms on a 20,000-community
SQLite ledger). Here every statement `list_communities` runs for each filter, as the office and
as a district, is planned by SQLite (the `make run` database): each must be answered from a
covering index, apart from the final fetch of the page's own rows by primary key and the two flag
indexes (demonstration, central funds), which find the few communities carrying a flag.
"""

from __future__ import annotations

import sqlite3
from itertools import combinations
from typing import Any

import pytest
from sqlalchemy import event

from services.registry.handlers import SUBSCRIPTIONS, communities
from shared.access import Principal
from tests.handlers.registry.walk import district, office

FILTER_VALUES: dict[str, object] = {
    "programme_code": "kaifeng-2019",
    "district_code": "kf-gulou",
    "street_office": "相国寺街道",
    "eligible": True,
    "tier": "plan",
    "demonstration": True,
    "centrally_funded": True,
}
SHAPES = [
    {},
    *({name: FILTER_VALUES[name]} for name in FILTER_VALUES),
    *({a: FILTER_VALUES[a], b: FILTER_VALUES[b]} for a, b in combinations(FILTER_VALUES, 2)),
]


FLAG_INDEXES = ("ix_community_demonstration", "ix_community_centrally_funded")


def plans(database: str, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    with sqlite3.connect(database) as connection:
        return [
            (sql, [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", tuple(params))])
            for sql, params in statements
        ]


@pytest.mark.parametrize("reader", [office(), district("kf-gulou")], ids=["office", "district"])
async def test_every_filtered_page_and_total_is_read_from_a_covering_index(
    harness_for, reader: Principal
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    statements: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if "FROM community" in statement:
            statements.append((statement, parameters))

    event.listen(harness.engine.sync_engine, "before_cursor_execute", capture)
    for shape in SHAPES:
        await harness.run(
            lambda s, f=shape: communities.list_communities(s, reader, filters=f, limit=50, offset=100)
        )
    assert len(statements) == 2 * len(SHAPES)  # a total and a page for each

    uncovered = []
    for sql, lines in plans(harness.url.removeprefix("sqlite:///"), statements):
        community_lines = [
            line for line in lines if "community" in line and "USING INTEGER PRIMARY KEY" not in line
        ]
        flagged = any(f"INDEX {index} " in line for line in lines for index in FLAG_INDEXES)
        for line in community_lines:
            by_primary_key = "sqlite_autoindex_community_1 (id=?)" in line
            if "COVERING INDEX" not in line and not by_primary_key and not flagged:
                uncovered.append((line, sql))
    assert uncovered == []

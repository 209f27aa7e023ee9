"""The outbox on PostgreSQL is indexed by what reads it (`shared.bus.migration_ops.index_outbox_by_state`):
the relay's lease and its blocked-keys check read the partial index of pending ids even in a
prepared statement's generic plan (the state is in the SQL's text, not bound), only a short range
of it. Rows are inserted and deleted, never updated by a lease, so the table keeps the default
fillfactor."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.dialects import postgresql

from shared.bus import relay
from shared.bus.outbox import add_to_outbox
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from tests.support.events import project_registered

SERVICES = Path(__file__).resolve().parents[2] / "services"
NO_RANGES = ", ".join(["0, -1"] * relay.LEASED_RANGES)
DUE_NOW_100 = f"now(), {NO_RANGES}, 100"
"""`relay._due_rows`'s parameters: due now, no leased range, at most 100 rows."""
DUE_NOW_500 = f"now(), {NO_RANGES}, 500"


@pytest.mark.parametrize("service", ["registry", "funding", "reporting", "notification"])
async def test_every_services_outbox_has_the_partial_indexes_and_the_default_fillfactor(
    postgres, service: str
) -> None:  # type: ignore[no-untyped-def]
    url = await asyncio.to_thread(postgres.create_database, f"outbox_{service}_{uuid.uuid4().hex[:8]}")
    await asyncio.to_thread(run_migrations, SERVICES / service / "migrations", url)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        indexes = dict(
            conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'outbox_message'")
        )
        (options,) = conn.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'outbox_message'"
        ).fetchone()
    assert "ix_outbox_pending" not in indexes
    assert indexes["ix_outbox_pending_id"].endswith("(id) WHERE ((state)::text = 'pending'::text)")
    assert indexes["ix_outbox_parked_id"].endswith("(id) WHERE ((state)::text = 'parked'::text)")
    assert "ix_outbox_published_at" not in indexes  # published rows are deleted
    assert options is None


async def test_the_lease_reads_a_short_range_of_pending_ids_in_a_generic_plan(postgres) -> None:  # type: ignore[no-untyped-def]
    url = await asyncio.to_thread(postgres.create_database, f"outbox_plan_{uuid.uuid4().hex[:8]}")
    await asyncio.to_thread(run_migrations, SERVICES / "registry" / "migrations", url)
    engine = create_engine(url)
    try:
        for _ in range(4):  # 2,000 rows: enough that a scan of the whole table would be planned
            async with UnitOfWork(create_sessions(engine))() as session:
                for _ in range(500):
                    add_to_outbox(session, project_registered(uuid.uuid4()))
    finally:
        await engine.dispose()
    dialect = postgresql.dialect(paramstyle="numeric_dollar")
    due = str(relay._due_rows(100).compile(dialect=dialect))
    blocked = str(relay._BLOCKED_KEYS.compile(dialect=dialect))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("ANALYZE outbox_message")
        conn.execute("SET plan_cache_mode = force_generic_plan")  # what a prepared statement may get
        conn.execute(f"PREPARE due AS {due}")
        conn.execute(f"PREPARE blocked AS {blocked}")
        due_plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN ANALYZE EXECUTE due({DUE_NOW_100})"))
        # below the batch, a range in flight with a gap (10-20), the second range empty
        blocked_plan = "\n".join(
            r[0] for r in conn.execute("EXPLAIN ANALYZE EXECUTE blocked(100, now(), 10, 20, 0, -1)")
        )
    assert "Index Scan using ix_outbox_pending_id on outbox_message" in due_plan, due_plan
    assert "Sort Key" not in due_plan, due_plan  # the ids come in order from the index
    assert "Index Scan using ix_outbox_pending_id on outbox_message" in blocked_plan, blocked_plan
    assert "Index Cond: (id < $1)" in blocked_plan, blocked_plan  # below the batch only


async def test_the_lease_reads_pending_ids_in_order_whatever_the_planner_estimates(postgres) -> None:  # type: ignore[no-untyped-def]
    """A busy outbox outruns its statistics (here: analysed with 20 rows pending, then 3,000 more).
    Under the bench, estimates of a few due rows made the planner read every pending row by a
    bitmap scan and sort them, per lease. A costlier random page stands in for such an estimate
    here: as planned, the due rows then come from a bitmap or sequential scan; in the lease's
    transaction (`_INDEX_ORDER_ONLY`) they come in id order from the partial index, and the scan
    stops at the batch's end."""
    url = await asyncio.to_thread(postgres.create_database, f"outbox_stale_{uuid.uuid4().hex[:8]}")
    await asyncio.to_thread(run_migrations, SERVICES / "registry" / "migrations", url)
    engine = create_engine(url)

    async def stage(count: int) -> None:
        for start in range(0, count, 500):
            async with UnitOfWork(create_sessions(engine))() as session:
                for _ in range(min(500, count - start)):
                    add_to_outbox(session, project_registered(uuid.uuid4()))

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        await stage(2000)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("DELETE FROM outbox_message WHERE id > 20")
            conn.execute("VACUUM ANALYZE outbox_message")
        await stage(3000)
    finally:
        await engine.dispose()
    due = str(relay._due_rows(500).compile(dialect=postgresql.dialect(paramstyle="numeric_dollar")))
    index_order_only = str(relay._INDEX_ORDER_ONLY)
    with psycopg.connect(plain) as conn:
        conn.execute("SET random_page_cost = 400")
        conn.execute(f"PREPARE due AS {due}")
        as_planned = "\n".join(r[0] for r in conn.execute(f"EXPLAIN ANALYZE EXECUTE due({DUE_NOW_500})"))
        conn.execute(index_order_only)
        leased = "\n".join(r[0] for r in conn.execute(f"EXPLAIN ANALYZE EXECUTE due({DUE_NOW_500})"))
        conn.rollback()
        after = conn.execute("SELECT current_setting('enable_bitmapscan')").fetchone()
    assert "Index Scan using ix_outbox_pending_id" not in as_planned, as_planned  # the hazard
    assert "Index Scan using ix_outbox_pending_id on outbox_message" in leased, leased
    assert "Bitmap" not in leased and "Sort Key" not in leased, leased
    assert after == ("on",)  # the setting ends with the lease's transaction


async def test_a_confirmation_finds_its_rows_by_a_join_not_by_scanning_against_the_array(postgres) -> None:  # type: ignore[no-untyped-def]
    """On a young outbox (no statistics yet) `id = ANY(<2,000 ids>)` was planned as a scan of the
    table filtering each row against the whole array: 300-450 ms per confirmation of 2,000 rows
    with 5,000 pending. The ids are unnested into a set the planner joins on instead."""
    url = await asyncio.to_thread(postgres.create_database, f"outbox_gone_{uuid.uuid4().hex[:8]}")
    await asyncio.to_thread(run_migrations, SERVICES / "registry" / "migrations", url)
    engine = create_engine(url)
    try:
        for _ in range(10):
            async with UnitOfWork(create_sessions(engine))() as session:
                for _ in range(500):
                    add_to_outbox(session, project_registered(uuid.uuid4()))
    finally:
        await engine.dispose()
    gone = str(relay._delete_by_ids(True).compile(dialect=postgresql.dialect(paramstyle="numeric_dollar")))
    ids = "{" + ",".join(str(i) for i in range(1, 2001)) + "}"
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")  # what a prepared statement may get
        conn.execute(f"PREPARE gone AS {gone}")
        plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN ANALYZE EXECUTE gone('{ids}')"))
        conn.rollback()
    assert "Filter: (id = ANY" not in plan, plan  # no per-row filter against the array
    assert "Rows Removed by Filter" not in plan, plan
    assert "unnest" in plan, plan

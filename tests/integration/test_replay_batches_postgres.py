"""The consumer's batch path over reporting's projections on PostgreSQL, where each batch's figures
are one JSON-fed upsert per table and up to four partition batches of a fetch run at once: inbox
dedupe within and across batches, a poison event dead-lettered alone, two replicas exact."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest

from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from tests.handlers.reporting import replay_batches as scenario
from tests.handlers.reporting.events import JINSHUI

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "reporting" / "migrations"


@pytest.fixture
async def unit_of_work(postgres) -> AsyncIterator[UnitOfWork]:  # type: ignore[no-untyped-def]
    name = f"replay_{uuid.uuid4().hex[:12]}"
    url = await asyncio.to_thread(postgres.create_database, name)
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine = create_engine(url)
    yield UnitOfWork(create_sessions(engine))
    await engine.dispose()
    async with await psycopg.AsyncConnection.connect(postgres.conninfo("postgres"), autocommit=True) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def test_duplicates_within_a_batch_and_across_batches_count_once(unit_of_work: UnitOfWork) -> None:
    await scenario.duplicates_within_and_across_batches_count_once(unit_of_work)


async def test_a_poison_event_inside_a_batch_is_dead_lettered_and_the_rest_counted(
    unit_of_work: UnitOfWork,
) -> None:
    await scenario.a_poison_event_in_a_batch_is_dead_lettered_alone(unit_of_work)


async def test_partition_batches_handled_in_parallel_each_count_once(unit_of_work: UnitOfWork) -> None:
    await scenario.partitions_fetched_together_each_count_once(unit_of_work, parallel=4)


async def test_two_replicas_given_the_same_batches_at_once_count_each_event_once(
    unit_of_work: UnitOfWork,
) -> None:
    """Overlapping batches on the same rows, claimed by two consumers in the same group at once:
    every event counts once (the inbox claim), every sum stays exact (atomic per-row upserts)."""
    envelopes = [e for day in range(1, 21) for e in scenario.events(10, JINSHUI, day)]
    records = [scenario.record(e, i) for i, e in enumerate(envelopes)]
    first, _ = scenario.consumer(unit_of_work)
    second, _ = scenario.consumer(unit_of_work)
    await asyncio.gather(
        *(first.process_partition_batch(records[i : i + 50]) for i in range(0, 200, 50)),
        *(second.process_partition_batch(records[i : i + 70]) for i in range(0, 200, 70)),
    )
    assert await scenario.registered_figures(unit_of_work) == {JINSHUI: (200, 20 * sum(range(1, 11)))}
    assert await scenario.inbox_rows(unit_of_work) == 200

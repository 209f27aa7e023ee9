"""The pull feed on PostgreSQL never lets a reader's cursor pass an entry that commits later (issue 10).

The consumer commits several partitions' batches at once (and replicas do too), so a transaction
that took a lower `seq` can commit after one that took a higher one. These tests hold a feed
writer's transaction open between its feed INSERT and its COMMIT (an engine `commit` hook that
waits for the test), let another writer try to commit meanwhile, and page the feed with a cursor as
a department would: every entry must be read, each once, in `seq` order.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only
from sqlmodel import select

from deploy.postgres.launcher import PostgresServer
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.feed import FEED_LOCK_KEY, read
from services.notification.handlers.subscriptions import create_subscription
from services.notification.models import Delivery, SubscriptionCreate
from shared.bus.consumer import handle_event
from shared.bus.subscriptions import ReceivedEvent
from shared.clock import FixedClock
from shared.contracts.envelope import CloudEvent
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import ACCEPTED, ORGS, accepted, policy

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "notification" / "migrations"
OFFICE = ORGS["office"]  # reads every event
GROUP = "feed-order-test"


class Service:
    """The notification service's handlers over a fresh PostgreSQL database, as the consumer runs
    them: one `handle_event` per event, each in its own unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.unit_of_work = UnitOfWork(create_sessions(engine))
        self.clock = FixedClock(DEFAULT_NOW)

    async def deliver(self, event_id: str) -> str:
        payload = accepted()
        envelope = CloudEvent.wrap(payload, event_id=event_id)
        received = ReceivedEvent(envelope, payload, self.clock.now())
        return await handle_event(self.unit_of_work, SUBSCRIPTIONS, GROUP, received)

    async def page(self, after: int, limit: int = 100) -> tuple[list[str], int]:
        async with self.unit_of_work() as session:
            result = await read(session, OFFICE, after=after, limit=limit)
        return [item["id"] for item in result.items], int(result.next_cursor)

    async def read_to_end(self, after: int) -> tuple[list[str], int]:
        ids: list[str] = []
        while True:
            page, cursor = await self.page(after, limit=7)
            ids += page
            if cursor == after:
                return ids, cursor
            after = cursor

    async def seqs(self) -> dict[str, int]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(text("SELECT event_id, seq FROM feed_entry"))
            return {event_id: seq for event_id, seq in rows}

    async def waiting_for_feed_lock(self) -> int:
        """Transactions waiting for the feed's advisory lock (its key split as pg_locks shows it)."""
        key = FEED_LOCK_KEY & 0xFFFFFFFFFFFFFFFF
        async with self.engine.connect() as connection:
            return int(
                (
                    await connection.execute(
                        text(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                            " AND classid::bigint = :hi AND objid::bigint = :lo"
                        ),
                        {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
                    )
                ).scalar_one()
            )


def before_feed_commits(engine: AsyncEngine, wait: Callable[[set[str]], Any]) -> None:
    """Call `wait(event ids)` (a coroutine function) in each transaction that inserted feed rows,
    after its INSERT and just before its COMMIT is sent."""

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO FEED_ENTRY"):
            conn.info.setdefault("feed_ids", set()).update(_event_ids(parameters))

    def committing(conn) -> None:  # type: ignore[no-untyped-def]
        ids = conn.info.pop("feed_ids", None)
        if ids:
            await_only(wait(ids))  # inside SQLAlchemy's greenlet: the event loop runs on meanwhile

    def rolled_back(conn) -> None:  # type: ignore[no-untyped-def]
        conn.info.pop("feed_ids", None)

    event.listen(engine.sync_engine, "after_cursor_execute", seen)
    event.listen(engine.sync_engine, "commit", committing)
    event.listen(engine.sync_engine, "rollback", rolled_back)


def _event_ids(parameters: Any) -> set[str]:
    values = parameters.values() if isinstance(parameters, dict) else parameters
    found: set[str] = set()
    for value in values or ():
        if isinstance(value, str) and value.startswith("ev-"):
            found.add(value)
        elif isinstance(value, list | tuple | dict):
            found |= _event_ids(value)
    return found


@pytest.fixture
async def service(postgres: PostgresServer) -> AsyncIterator[Service]:
    name = f"feed_order_{uuid.uuid4().hex[:12]}"
    url = await asyncio.to_thread(postgres.create_database, name)
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine = create_engine(url)
    try:
        yield Service(engine)
    finally:
        await engine.dispose()
        async with await psycopg.AsyncConnection.connect(postgres.conninfo("postgres"), autocommit=True) as c:
            await c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def test_an_entry_that_commits_late_is_not_skipped_by_a_reader_who_read_meanwhile(
    service: Service,
) -> None:
    """Writer A stores its feed row and stalls before COMMIT; writer B stores one after it. Without
    the lock B takes the next seq and commits first, a reader's cursor passes it, and A's row
    (lower seq) commits behind the cursor. With it B waits for A, and the reader sees both."""
    held, a_at_commit = asyncio.Event(), asyncio.Event()

    async def hold_a(ids: set[str]) -> None:
        if "ev-a" in ids:
            a_at_commit.set()
            await held.wait()

    before_feed_commits(service.engine, hold_a)
    a = asyncio.create_task(service.deliver("ev-a"))
    await asyncio.wait_for(a_at_commit.wait(), 30)
    b = asyncio.create_task(service.deliver("ev-b"))
    # B either commits (nothing orders it behind A) or waits for A on the feed's lock.
    for _ in range(1500):
        if b.done() or await service.waiting_for_feed_lock():
            break
        await asyncio.sleep(0.02)
    b_waited_for_a = not b.done()

    first, cursor = await service.read_to_end(0)  # a department polls while A is still open
    held.set()
    assert await a == "handled" and await b == "handled"
    rest, _ = await service.read_to_end(cursor)

    assert first + rest == ["ev-a", "ev-b"], f"read {first} then {rest}: an entry was skipped"
    seqs = await service.seqs()
    assert seqs["ev-a"] < seqs["ev-b"]
    assert b_waited_for_a and first == []


async def test_a_reader_polling_concurrent_writers_reads_every_entry_once_in_order(service: Service) -> None:
    """Eight writers at once, each commit delayed at random after its feed INSERT (as parallel
    partitions and replicas commit in any order), and a reader paging the whole time: in the end
    it has read every entry exactly once, in seq order."""
    rng = random.Random(10)

    async def jitter(ids: set[str]) -> None:
        await asyncio.sleep(rng.uniform(0, 0.03))

    before_feed_commits(service.engine, jitter)
    event_ids = [f"ev-{w}-{n}" for w in range(8) for n in range(12)]

    async def writer(w: int) -> None:
        for n in range(12):
            assert await service.deliver(f"ev-{w}-{n}") == "handled"

    writers = asyncio.gather(*(writer(w) for w in range(8)))
    seen: list[str] = []
    cursor = 0
    while not writers.done():
        page, cursor = await service.read_to_end(cursor)
        seen += page
        await asyncio.sleep(0.005)
    await writers
    page, _ = await service.read_to_end(cursor)
    seen += page

    assert sorted(seen) == sorted(event_ids), f"missing {sorted(set(event_ids) - set(seen))}"
    seqs = await service.seqs()
    assert [seqs[i] for i in seen] == sorted(seqs.values())


async def test_a_batch_of_events_keeps_its_order_in_the_feed_and_locks_only_for_its_feed_rows(
    service: Service,
) -> None:
    """The consumer's fast path handles a partition's batch in one transaction; its feed rows,
    inserted together at the commit, take their seqs in the order the events were handled, and
    the feed's lock is held only from their INSERT to the COMMIT."""
    event_ids = [f"ev-batch-{n}" for n in range(30)]
    rng = random.Random(7)
    rng.shuffle(event_ids)
    subscription = SubscriptionCreate(
        channel="webhook",  # type: ignore[arg-type]
        event_types=[ACCEPTED],
        endpoint_url="https://office.example.org/hook",
    )
    async with service.unit_of_work() as session:  # each event also stages a delivery, after the feed row
        await create_subscription(session, OFFICE, subscription, now=DEFAULT_NOW, policy=policy())
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(service.engine.sync_engine, "before_cursor_execute", record)
    async with service.unit_of_work() as session:
        for event_id in event_ids:
            payload = accepted()
            envelope = CloudEvent.wrap(payload, event_id=event_id)
            await SUBSCRIPTIONS.handler(envelope.type)(session, ReceivedEvent(envelope, payload, DEFAULT_NOW))
    event.remove(service.engine.sync_engine, "before_cursor_execute", record)

    assert (await service.read_to_end(0))[0] == event_ids
    # The lock is taken once, after everything else the batch wrote: it covers only the feed rows.
    (lock,) = [n for n, s in enumerate(statements) if "pg_advisory_xact_lock" in s]
    after_lock = statements[lock + 1 :]
    assert after_lock and all(s.startswith("INSERT INTO feed_entry") for s in after_lock), after_lock
    assert not any(s.startswith("INSERT INTO feed_entry") for s in statements[:lock])
    async with service.unit_of_work() as session:
        assert len((await session.exec(select(Delivery))).all()) == len(event_ids)

"""The delivery log on PostgreSQL never lets a reader's cursor pass a delivery that commits later
(issue 10).

Deliveries are written by concurrent transactions (the consumer's partition batches on every
replica, the worker's notices). These tests hold a delivery writer's transaction open just before
its COMMIT (an engine `commit` hook that waits for the test), let another writer try to commit
meanwhile, and page the log with `list_deliveries` as the API does: every delivery must be read,
each once, in `seq` order. Ordered by (created_at, id) as before, the first test's reader skipped
the stalled delivery for good.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

from deploy.postgres.launcher import PostgresServer
from services.notification.domain import notices
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import list_deliveries
from services.notification.handlers.notices import tell
from services.notification.handlers.subscriptions import create_subscription
from services.notification.models import SubscriptionCreate
from shared.bus.consumer import handle_event
from shared.bus.subscriptions import ReceivedEvent
from shared.clock import FixedClock
from shared.contracts.envelope import CloudEvent
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from shared.db.engine import sync_url
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import ACCEPTED, ORGS, accepted, policy
from tests.handlers.notification.test_delivery_log_migration import numbered, store_before_0011, upgrade

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "notification" / "migrations"
FINANCE = ORGS["finance"]
GROUP = "delivery-log-order-test"


class Service:
    """Notification's handlers over a fresh PostgreSQL database, one `handle_event` per event."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.unit_of_work = UnitOfWork(create_sessions(engine))
        self.clock = FixedClock(DEFAULT_NOW)

    async def subscribe(self, channel: str = "webhook") -> None:
        body = SubscriptionCreate(
            channel=channel,  # type: ignore[arg-type]
            event_types=[ACCEPTED],
            endpoint_url="https://finance.example.org/hook" if channel == "webhook" else None,
            email_address="caiwu@finance.example.org" if channel == "email" else None,
        )
        async with self.unit_of_work() as session:
            await create_subscription(session, FINANCE, body, now=DEFAULT_NOW, policy=policy())

    async def deliver(self, event_id: str, received_at_s: float = 0.0) -> str:
        payload = accepted()
        envelope = CloudEvent.wrap(payload, event_id=event_id)
        now = DEFAULT_NOW + timedelta(seconds=received_at_s)
        return await handle_event(
            self.unit_of_work, SUBSCRIPTIONS, GROUP, ReceivedEvent(envelope, payload, now)
        )

    async def read_to_end(self, after: int | None) -> tuple[list[str], int | None]:
        ids: list[str] = []
        while True:
            async with self.unit_of_work() as session:
                page = await list_deliveries(session, FINANCE, after=after, limit=7)
            if not page:
                return ids, after
            ids += [d.event_id for d in page]
            after = page[-1].seq

    async def seqs(self) -> dict[str, int]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(text("SELECT event_id, seq FROM delivery"))
            return {event_id: seq for event_id, seq in rows}

    async def waiting_for_the_log_head(self) -> int:
        """Transactions waiting for a row lock held by another (the log head's, here)."""
        async with self.engine.connect() as connection:
            return int(
                (
                    await connection.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            " AND datname = current_database()"
                        )
                    )
                ).scalar_one()
            )


def before_delivery_commits(engine: AsyncEngine, wait: Callable[[set[str]], Any]) -> None:
    """Call `wait(strings)` (a coroutine function; the string values the transaction's delivery
    INSERTs carried, its event ids among them) in each transaction that inserted deliveries, just
    before its COMMIT is sent (after its commit hook numbered them)."""

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO DELIVERY "):
            conn.info.setdefault("delivery_ids", set()).update(_strings(parameters))

    def committing(conn) -> None:  # type: ignore[no-untyped-def]
        ids = conn.info.pop("delivery_ids", None)
        if ids:
            await_only(wait(ids))  # inside SQLAlchemy's greenlet: the event loop runs on meanwhile

    def rolled_back(conn) -> None:  # type: ignore[no-untyped-def]
        conn.info.pop("delivery_ids", None)

    event.listen(engine.sync_engine, "after_cursor_execute", seen)
    event.listen(engine.sync_engine, "commit", committing)
    event.listen(engine.sync_engine, "rollback", rolled_back)


def _strings(parameters: Any) -> set[str]:
    values = parameters.values() if isinstance(parameters, dict) else parameters
    found: set[str] = set()
    for value in values or ():
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, list | tuple | dict):
            found |= _strings(value)
    return found


@pytest.fixture
async def service(postgres: PostgresServer) -> AsyncIterator[Service]:
    name = f"delivery_log_{uuid.uuid4().hex[:12]}"
    url = await asyncio.to_thread(postgres.create_database, name)
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine = create_engine(url)
    try:
        service = Service(engine)
        await service.subscribe()
        yield service
    finally:
        await engine.dispose()
        async with await psycopg.AsyncConnection.connect(postgres.conninfo("postgres"), autocommit=True) as c:
            await c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def test_a_delivery_that_commits_late_is_not_skipped_by_a_reader_who_read_meanwhile(
    service: Service,
) -> None:
    """Writer A queues a notice to finance's mailbox (deliveries and no feed entry, as the worker
    does when an endpoint is disabled) and stalls just before its COMMIT; writer B, an event
    received a second later, commits meanwhile, or tries to. By (created_at, id), B was listed,
    the reader's cursor passed it, and A committed behind the cursor, skipped for good. Numbered at
    commit, B waits for A on the log's head (A holds no feed lock), and the reader sees both."""
    await service.subscribe(channel="email")
    notice = notices.endpoint_disabled("some-endpoint", "https://gone.example.org", "测试", now=DEFAULT_NOW)
    held, a_at_commit = asyncio.Event(), asyncio.Event()

    async def hold_a(strings: set[str]) -> None:
        if notice.id in strings:
            a_at_commit.set()
            await held.wait()

    async def write_a() -> None:
        async with service.unit_of_work() as session:
            assert await tell(session, FINANCE.org_code, notice, now=DEFAULT_NOW) == 1

    before_delivery_commits(service.engine, hold_a)
    a = asyncio.create_task(write_a())
    await asyncio.wait_for(a_at_commit.wait(), 30)
    b = asyncio.create_task(service.deliver("ev-b", received_at_s=1))
    for _ in range(1500):
        if b.done() or await service.waiting_for_the_log_head():
            break
        await asyncio.sleep(0.02)
    b_waited_for_a = not b.done()

    first, cursor = await service.read_to_end(None)  # a department pages while A is still open
    held.set()
    await a
    assert await b == "handled"
    rest, _ = await service.read_to_end(cursor)

    assert first + rest == [notice.id, "ev-b", "ev-b"], f"read {first} then {rest}: a delivery was skipped"
    assert b_waited_for_a and first == []


async def test_a_long_transaction_stamped_earlier_is_read_after_one_that_committed_first(
    service: Service,
) -> None:
    """A partition's batch is still being handled (its deliveries inserted, stamped when its
    events arrived) while another event, received later, is handled and committed, and a reader
    pages. By (created_at, id) the reader's cursor was past the batch's rows when they committed;
    numbered at commit, they come next."""
    release = asyncio.Event()

    async def long_batch() -> None:
        async with service.unit_of_work() as session:
            for n in range(3):
                payload = accepted()
                envelope = CloudEvent.wrap(payload, event_id=f"ev-batch-{n}")
                received = ReceivedEvent(envelope, payload, DEFAULT_NOW)
                await SUBSCRIPTIONS.handler(envelope.type)(session, received)
            await session.flush()
            await release.wait()

    batch = asyncio.create_task(long_batch())
    await asyncio.sleep(0.2)
    assert await service.deliver("ev-later", received_at_s=5) == "handled"
    first, cursor = await service.read_to_end(None)
    release.set()
    await batch
    rest, _ = await service.read_to_end(cursor)
    assert first == ["ev-later"] and rest == ["ev-batch-0", "ev-batch-1", "ev-batch-2"]


async def test_a_reader_paging_concurrent_writers_reads_every_delivery_once_in_order(
    service: Service,
) -> None:
    """Eight writers at once, each commit delayed at random and each event stamped at a random
    time (as partitions and replicas receive and commit in any order), and a reader paging the
    whole time: in the end it has read every delivery exactly once, in seq order."""
    rng = random.Random(12)

    async def jitter(ids: set[str]) -> None:
        await asyncio.sleep(rng.uniform(0, 0.03))

    before_delivery_commits(service.engine, jitter)
    event_ids = [f"ev-{w}-{n}" for w in range(8) for n in range(12)]

    async def writer(w: int) -> None:
        for n in range(12):
            assert await service.deliver(f"ev-{w}-{n}", received_at_s=rng.uniform(0, 5)) == "handled"

    writers = asyncio.gather(*(writer(w) for w in range(8)))
    seen: list[str] = []
    cursor = None
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


async def test_a_batch_numbers_its_deliveries_in_order_and_takes_the_head_before_the_feed_lock(
    service: Service,
) -> None:
    """The consumer's fast path handles a partition's batch in one transaction: its deliveries
    are numbered in the order their events were handled, in one UPDATE of the head and one of the
    rows, after everything else was written and before the feed's lock (always that order, so two
    writers never wait on each other in opposite orders)."""
    event_ids = [f"ev-batch-{n}" for n in range(30)]
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

    assert (await service.read_to_end(None))[0] == event_ids
    head = [n for n, s in enumerate(statements) if s.startswith("UPDATE delivery_log_head")]
    numbering = [n for n, s in enumerate(statements) if s.startswith("UPDATE delivery SET seq")]
    (lock,) = [n for n, s in enumerate(statements) if "pg_advisory_xact_lock" in s]
    inserts = [n for n, s in enumerate(statements) if s.startswith("INSERT INTO delivery ")]
    assert len(head) == 1 and len(numbering) == 1
    assert max(inserts) < head[0] < numbering[0] < lock


async def test_the_migration_numbers_existing_deliveries_in_the_old_order_on_postgresql(
    postgres: PostgresServer,
) -> None:
    name = f"delivery_log_migration_{uuid.uuid4().hex[:12]}"
    url = await asyncio.to_thread(postgres.create_database, name)
    try:
        sync = sync_url(url)
        await asyncio.to_thread(upgrade, sync, "0010")
        old_order = await asyncio.to_thread(store_before_0011, sync)
        await asyncio.to_thread(upgrade, sync, "head")
        assert await asyncio.to_thread(numbered, sync) == (old_order, 5)
    finally:
        async with await psycopg.AsyncConnection.connect(postgres.conninfo("postgres"), autocommit=True) as c:
            await c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

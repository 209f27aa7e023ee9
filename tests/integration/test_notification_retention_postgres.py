"""Notification's retention pass on PostgreSQL: the same statements as on SQLite (the enum-as-text
state, uuid keys, `IN (SELECT .. ORDER BY .. LIMIT)` batches) purge the same rows, and the feed's
sequence goes on past the purged entries."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlmodel import select

from deploy.postgres.launcher import PostgresServer
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.feed import read
from services.notification.handlers.retention import purge_once
from services.notification.handlers.subscriptions import create_subscription, unsubscribe
from services.notification.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    FeedEntry,
    SubscriptionCreate,
)
from services.notification.settings import NotificationSettings
from shared.bus.consumer import handle_event
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.envelope import CloudEvent
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import ACCEPTED, ORGS, accepted, policy

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "notification" / "migrations"
NOW = DEFAULT_NOW


@pytest.fixture
async def unit_of_work(postgres: PostgresServer) -> AsyncIterator[UnitOfWork]:
    name = f"retention_{uuid.uuid4().hex[:12]}"
    url = await asyncio.to_thread(postgres.create_database, name)
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine = create_engine(url)
    try:
        yield UnitOfWork(create_sessions(engine))
    finally:
        await engine.dispose()
        async with await psycopg.AsyncConnection.connect(postgres.conninfo("postgres"), autocommit=True) as c:
            await c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


async def test_the_retention_pass_purges_the_same_rows_on_postgresql(unit_of_work: UnitOfWork) -> None:
    subscriptions = {}
    for org in ("finance", "office"):
        body = SubscriptionCreate(
            channel="webhook",  # type: ignore[arg-type]
            event_types=[ACCEPTED],
            endpoint_url=f"https://{org}.example.org/hook",
        )
        async with unit_of_work() as session:
            subscriptions[org] = await create_subscription(session, ORGS[org], body, now=NOW, policy=policy())
    for n, age in enumerate((400, 400, 400, 10)):
        payload = accepted()
        received = ReceivedEvent(
            CloudEvent.wrap(payload, event_id=f"e{n}"), payload, NOW - timedelta(days=age)
        )
        assert await handle_event(unit_of_work, SUBSCRIPTIONS, "g", received) == "handled"
    async with unit_of_work() as session:
        for delivery in (await session.exec(select(Delivery))).all():
            if delivery.event_id in ("e0", "e3"):
                delivery.state = DeliveryState.DELIVERED
                delivery.delivered_at = delivery.last_attempt_at = delivery.created_at
                session.add(
                    DeliveryAttempt(
                        delivery_id=delivery.id, attempted_at=delivery.created_at, status_line="HTTP 200"
                    )
                )
            session.add(delivery)
    async with unit_of_work() as session:  # the office's endpoint ended long ago: its e1, e2 are dead
        await unsubscribe(session, ORGS["office"], subscriptions["office"].id, now=NOW - timedelta(days=300))

    purged = await purge_once(unit_of_work, NotificationSettings(environment="test"), now=NOW, batch=2)

    assert (purged.deliveries, purged.attempts, purged.feed_entries) == (4, 2, 3)
    async with unit_of_work() as session:
        kept = {(d.subscription_id, d.event_id) for d in (await session.exec(select(Delivery))).all()}
        feed = [e.event_id for e in (await session.exec(select(FeedEntry))).all()]
    finance, office = subscriptions["finance"].id, subscriptions["office"].id
    # finance: e0 delivered long ago goes; e1, e2 pending on an active endpoint and e3 recent stay
    assert kept == {(finance, "e1"), (finance, "e2"), (finance, "e3"), (office, "e3")}
    assert feed == ["e3"]
    payload = accepted()
    received = ReceivedEvent(CloudEvent.wrap(payload, event_id="e4"), payload, NOW)
    assert await handle_event(unit_of_work, SUBSCRIPTIONS, "g", received) == "handled"
    async with unit_of_work() as session:
        page = await read(session, ORGS["office"], after=0, limit=10)
    assert [item["id"] for item in page.items] == ["e3", "e4"]

"""Retention of notification's own rows on SQLite: finished deliveries with their attempts, old feed
entries and read inbox items go in bounded batches; pending work, recent rows and unread items stay;
the feed's cursor still resumes where it should."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import col, select

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.feed import read
from services.notification.handlers.inbox import mark_read
from services.notification.handlers.retention import (
    purge_deliveries_batch,
    purge_feed_batch,
    purge_once,
    run_notification_retention,
)
from services.notification.handlers.subscriptions import unsubscribe
from services.notification.models import Delivery, DeliveryAttempt, DeliveryState, FeedEntry, InboxItem
from services.notification.settings import NotificationSettings
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import ACCEPTED, JINSHUI, ORGS, accepted, subscribe

NOW = DEFAULT_NOW
SETTINGS = NotificationSettings(environment="test")  # 90 days for deliveries, 365 for feed and inbox


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def deliver_at(harness, when: datetime, event_id: str) -> None:  # type: ignore[no-untyped-def]
    harness.clock.set(when)
    await harness.deliver(accepted(JINSHUI), event_id=event_id)
    harness.clock.set(NOW)


async def settle(harness, event_id: str, state: DeliveryState, at: datetime | None) -> None:  # type: ignore[no-untyped-def]
    """Put the event's deliveries in `state`, attempted (and delivered, if so) at `at`, with two
    attempts logged."""

    async def change(session):  # type: ignore[no-untyped-def]
        rows = (await session.exec(select(Delivery).where(Delivery.event_id == event_id))).all()
        for delivery in rows:
            delivery.state = state
            delivery.last_attempt_at = at
            delivery.delivered_at = at if state == DeliveryState.DELIVERED else None
            session.add(delivery)
            if at is not None:
                for n in range(2):
                    session.add(
                        DeliveryAttempt(
                            delivery_id=delivery.id, attempted_at=at, status=500 + n, status_line="HTTP 500"
                        )
                    )

    await harness.run(change)


async def left(harness) -> tuple[list[str], dict[str, int]]:  # type: ignore[no-untyped-def]
    deliveries = {d.id: d.event_id for d in await harness.all(Delivery)}
    attempts: dict[str, int] = {}
    for attempt in await harness.all(DeliveryAttempt):
        event_id = deliveries.get(attempt.delivery_id, "orphan")
        attempts[event_id] = attempts.get(event_id, 0) + 1
    return sorted(deliveries.values()), attempts


async def test_old_finished_deliveries_go_with_their_attempts_and_pending_or_recent_ones_stay(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    for event_id in ("old-delivered", "old-failed", "old-pending", "old-pending-tried", "old-retried-lately"):
        await deliver_at(harness, days_ago(400), event_id)
    await deliver_at(harness, days_ago(10), "recent-delivered")
    await deliver_at(harness, days_ago(91), "old-never-tried-failed")
    await settle(harness, "old-delivered", DeliveryState.DELIVERED, days_ago(399))
    await settle(harness, "old-failed", DeliveryState.FAILED, days_ago(120))
    await settle(harness, "old-pending-tried", DeliveryState.PENDING, days_ago(399))
    await settle(harness, "old-retried-lately", DeliveryState.FAILED, days_ago(89))  # a manual retry
    await settle(harness, "recent-delivered", DeliveryState.DELIVERED, days_ago(10))
    await settle(harness, "old-never-tried-failed", DeliveryState.FAILED, None)

    purged = await purge_once(harness.unit_of_work, SETTINGS, now=NOW)

    assert (purged.deliveries, purged.attempts) == (3, 4)
    deliveries, attempts = await left(harness)
    assert deliveries == ["old-pending", "old-pending-tried", "old-retried-lately", "recent-delivered"]
    assert attempts == {"old-pending-tried": 2, "old-retried-lately": 2, "recent-delivered": 2}
    # a second pass finds nothing more
    assert (await purge_once(harness.unit_of_work, SETTINGS, now=NOW)).deliveries == 0


async def test_pending_deliveries_of_an_endpoint_ended_long_ago_go_and_of_one_ended_lately_stay(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("notification", SUBSCRIPTIONS)
    long_ago = await subscribe(harness, "finance", [ACCEPTED])
    lately = await subscribe(harness, "jinshui", [ACCEPTED])
    await subscribe(harness, "office", [ACCEPTED])  # stays active
    await deliver_at(harness, days_ago(300), "stopped")
    await harness.run(lambda s: unsubscribe(s, ORGS["finance"], long_ago.id, now=days_ago(200)))
    await harness.run(lambda s: unsubscribe(s, ORGS["jinshui"], lately.id, now=days_ago(5)))
    assert {d.state for d in await harness.all(Delivery)} == {DeliveryState.PENDING}

    await purge_once(harness.unit_of_work, SETTINGS, now=NOW)

    kept = {d.subscription_id for d in await harness.all(Delivery)}
    assert long_ago.id not in kept and lately.id in kept and len(kept) == 2  # the active one's stays


async def test_deliveries_go_in_bounded_batches_each_its_own_transaction(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    for n in range(5):
        await deliver_at(harness, days_ago(200), f"e{n}")
        await settle(harness, f"e{n}", DeliveryState.DELIVERED, days_ago(200))
    cutoff = days_ago(90)
    assert await harness.run(lambda s: purge_deliveries_batch(s, cutoff=cutoff, batch=2)) == (2, 4)
    assert len(await harness.all(Delivery)) == 3

    transactions = 0

    @contextlib.asynccontextmanager
    async def counted() -> AsyncIterator[Any]:
        nonlocal transactions
        transactions += 1
        async with harness.unit_of_work() as session:
            yield session

    purged = await purge_once(counted, SETTINGS, now=NOW, batch=2)
    assert purged.deliveries == 3 and await harness.all(Delivery) == []
    # deliveries: 2 + 1; the feed (200 days old, within its retention): 0; inbox items: 0
    assert purged.feed_entries == 0
    assert transactions == 2 + 1 + 1


async def test_read_inbox_items_go_after_their_retention_and_unread_ones_never(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED], channel="inbox")
    for event_id in ("read-long-ago", "read-lately", "unread"):
        await deliver_at(harness, days_ago(500), event_id)
    items = {i.event_id: i.id for i in await harness.all(InboxItem)}
    finance = ORGS["finance"]
    await harness.run(lambda s: mark_read(s, finance, items["read-long-ago"], now=days_ago(400)))
    await harness.run(lambda s: mark_read(s, finance, items["read-lately"], now=days_ago(30)))

    purged = await purge_once(harness.unit_of_work, SETTINGS, now=NOW)

    assert purged.inbox_items == 1
    assert sorted(i.event_id for i in await harness.all(InboxItem)) == ["read-lately", "unread"]


async def feed_ids(harness, after: int) -> tuple[list[str], int]:  # type: ignore[no-untyped-def]
    page = await harness.run(lambda s: read(s, ORGS["office"], after=after, limit=100))
    return [item["id"] for item in page.items], int(page.next_cursor)


async def test_old_feed_entries_go_and_a_cursor_from_before_them_resumes_at_the_oldest_kept(
    harness_for,  # type: ignore[no-untyped-def]
) -> None:
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await deliver_at(harness, days_ago(400), "f1")
    await deliver_at(harness, days_ago(380), "f2")
    await deliver_at(harness, days_ago(366), "f3")
    await deliver_at(harness, days_ago(100), "f4")
    await deliver_at(harness, days_ago(1), "f5")
    seqs = {e.event_id: e.seq for e in await harness.all(FeedEntry)}

    purged = await purge_once(harness.unit_of_work, SETTINGS, now=NOW)

    assert purged.feed_entries == 3
    assert await feed_ids(harness, 0) == (["f4", "f5"], seqs["f5"])  # a new reader starts at the oldest kept
    # a reader who had read f1 (its cursor now points at a purged entry) resumes at the oldest kept
    assert (await feed_ids(harness, seqs["f1"]))[0] == ["f4", "f5"]
    assert (await feed_ids(harness, seqs["f4"]))[0] == ["f5"]  # a cursor inside what is kept: as before


async def test_the_newest_feed_entry_is_kept_so_a_quiet_year_never_reuses_a_position(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    for n in range(3):
        await deliver_at(harness, days_ago(500), f"old{n}")
    newest = max(e.seq for e in await harness.all(FeedEntry))
    # every entry is past its retention: the newest stays, or SQLite's rowid would start again at 1
    assert (await purge_once(harness.unit_of_work, SETTINGS, now=NOW)).feed_entries == 2
    assert [e.seq for e in await harness.all(FeedEntry)] == [newest]
    await deliver_at(harness, NOW, "new")
    assert await feed_ids(harness, newest) == (["new"], newest + 1)  # a reader at the end sees it


async def test_feed_batches_are_bounded(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    for n in range(5):
        await deliver_at(harness, days_ago(500), f"old{n}")
    assert await harness.run(lambda s: purge_feed_batch(s, cutoff=days_ago(365), batch=3)) == 3
    kept = await harness.run(lambda s: s.exec(select(FeedEntry.event_id).order_by(col(FeedEntry.seq))))
    assert list(kept) == ["old3", "old4"]  # the oldest first


async def test_the_worker_purges_at_start_and_then_every_interval(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    await deliver_at(harness, days_ago(200), "old")
    await settle(harness, "old", DeliveryState.FAILED, days_ago(200))
    settings = NotificationSettings(environment="test", retention_interval_s=3600)
    runtime = SimpleNamespace(settings=settings, unit_of_work=harness.unit_of_work, clock=harness.clock)
    worker = asyncio.create_task(run_notification_retention(runtime))  # type: ignore[arg-type]
    try:
        for _ in range(200):
            if not await harness.all(Delivery):
                break
            await asyncio.sleep(0.01)
        assert await harness.all(Delivery) == [] and not worker.done()  # purged, now sleeping
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    off = SimpleNamespace(settings=NotificationSettings(environment="test", retention_interval_s=0))
    await asyncio.wait_for(run_notification_retention(off), 1)  # type: ignore[arg-type]  # 0: never


@pytest.mark.parametrize(
    "settings",
    [
        {"delivery_retention_days": 0},
        {"feed_retention_days": 0},
        {"inbox_item_retention_days": -1},
        {"retention_batch_size": 0},
        # the attempts that decide whether an endpoint is disabled must outlive the window
        {"delivery_retention_days": 5, "endpoint_disable_after_s": 5 * 86400.0},
    ],
)
def test_retention_settings_are_validated(settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        NotificationSettings(environment="test", **settings)


def test_the_notification_inbox_item_retention_does_not_touch_the_bus_inbox() -> None:
    settings = NotificationSettings(environment="test", inbox_item_retention_days=2)
    assert settings.inbox_retention_days == NotificationSettings(environment="test").inbox_retention_days


async def test_nothing_is_purged_when_the_tables_are_empty(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    assert not await purge_once(harness.unit_of_work, SETTINGS, now=NOW)

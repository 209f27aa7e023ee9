"""Retention of notification's own rows (issue 12, item 11): deliveries with their attempts, the
feed, and read in-app inbox items. The bus's outbox and inbox are purged by the shared worker
(`shared.web.housekeeping`); these tables are the service's and grow with every event it fans out.

What goes, as of the service clock's `now`:

- **Deliveries** (`delivery_retention_days`, 90) that are finished and have had no activity since
  the cutoff (created, last attempted and delivered before it), with their attempts:
  delivered, failed for good, or still pending on a subscription that was disabled or ended
  before the cutoff (nothing will ever send, retry or replay those). A pending delivery of an
  active subscription stays whatever its age: it is work still to do. Replay of an endpoint's
  messages reaches back as far as this retention.
- **Feed entries** (`feed_retention_days`, 365) stored before the cutoff. A reader's cursor is a
  position (`seq > after`), so a cursor from before the oldest kept entry resumes at the oldest
  kept one. The newest entry is always kept, so on SQLite (where `seq` is the rowid, which
  restarts after the largest row) a quiet year can never hand out a `seq` a reader has passed.
- **In-app inbox items** (`inbox_item_retention_days`, 365) read before the cutoff; unread
  items stay.

Action items (acknowledgements) are not purged: they are the record the acknowledgement-time
report is computed from, over any period.

Like `shared.db.retention`: bounded batches, each its own short transaction, so a first purge of
a large table holds no locks for long; a pass that fails (the database away) raises, is logged by
the runtime's supervisor and the worker is started again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.models import Delivery, DeliveryAttempt, DeliveryState, FeedEntry, InboxItem
from services.notification.models import Subscription as SubscriptionRow
from services.notification.settings import NotificationSettings
from shared.web.runtime import Runtime

log = logging.getLogger(__name__)

UnitOfWork = Callable[[], AbstractAsyncContextManager[AsyncSession]]

_DELIVERY = Delivery.__table__  # type: ignore[attr-defined]
_ATTEMPT = DeliveryAttempt.__table__  # type: ignore[attr-defined]
_SUBSCRIPTION = SubscriptionRow.__table__  # type: ignore[attr-defined]
_FEED = FeedEntry.__table__  # type: ignore[attr-defined]
_INBOX_ITEM = InboxItem.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Purged:
    """Rows one pass removed."""

    deliveries: int = 0
    attempts: int = 0
    feed_entries: int = 0
    inbox_items: int = 0

    def __bool__(self) -> bool:
        return any((self.deliveries, self.attempts, self.feed_entries, self.inbox_items))


async def purge_deliveries_batch(session: AsyncSession, *, cutoff: datetime, batch: int) -> tuple[int, int]:
    """Delete up to `batch` finished deliveries idle since before `cutoff`, and their attempts;
    returns (deliveries, attempts) deleted. Runs in the caller's transaction."""
    d, s = _DELIVERY.c, _SUBSCRIPTION.c
    stopped = (
        select(s.id)
        .where(s.active == False, s.disabled_at.is_not(None), s.disabled_at < cutoff)  # noqa: E712
        .scalar_subquery()
    )
    query = (
        select(d.id)
        .where(
            or_(
                d.state.in_([DeliveryState.DELIVERED, DeliveryState.FAILED]),
                and_(d.state == DeliveryState.PENDING, d.subscription_id.in_(stopped)),
            ),
            d.created_at < cutoff,
            or_(d.last_attempt_at.is_(None), d.last_attempt_at < cutoff),
            or_(d.delivered_at.is_(None), d.delivered_at < cutoff),
        )
        .limit(batch)
    )
    connection = await session.connection()
    ids = list((await connection.execute(query)).scalars())
    if not ids:
        return 0, 0
    attempts = (await connection.execute(delete(_ATTEMPT).where(_ATTEMPT.c.delivery_id.in_(ids)))).rowcount
    deliveries = (await connection.execute(delete(_DELIVERY).where(d.id.in_(ids)))).rowcount
    return deliveries or 0, attempts or 0


async def purge_feed_batch(session: AsyncSession, *, cutoff: datetime, batch: int) -> int:
    """Delete up to `batch` feed entries stored before `cutoff`, oldest first, never the newest
    entry; returns how many. Runs in the caller's transaction."""
    f = _FEED.c
    newest = select(func.max(f.seq)).scalar_subquery()
    seqs = select(f.seq).where(f.stored_at < cutoff, f.seq < newest).order_by(f.seq).limit(batch)
    connection = await session.connection()
    deleted = (await connection.execute(delete(_FEED).where(f.seq.in_(seqs.scalar_subquery())))).rowcount
    return deleted or 0


async def purge_inbox_items_batch(session: AsyncSession, *, cutoff: datetime, batch: int) -> int:
    """Delete up to `batch` in-app inbox items read before `cutoff`; returns how many. Runs in the
    caller's transaction."""
    i = _INBOX_ITEM.c
    ids = select(i.id).where(i.read_at.is_not(None), i.read_at < cutoff).limit(batch)
    connection = await session.connection()
    deleted = (await connection.execute(delete(_INBOX_ITEM).where(i.id.in_(ids.scalar_subquery())))).rowcount
    return deleted or 0


async def purge_once(
    unit_of_work: UnitOfWork, settings: NotificationSettings, *, now: datetime, batch: int | None = None
) -> Purged:
    """One retention pass over deliveries, the feed and inbox items, each batch its own transaction.

    Args:
        unit_of_work: opens a session in a transaction and commits it (the runtime's).
        settings: the retention periods.
        now: the service clock's time.
        batch: rows per transaction (default `retention_batch_size`).
    """
    size = batch or settings.retention_batch_size
    deliveries = attempts = 0
    cutoff = now - timedelta(days=settings.delivery_retention_days)
    while True:
        async with unit_of_work() as session:
            gone, their_attempts = await purge_deliveries_batch(session, cutoff=cutoff, batch=size)
        deliveries += gone
        attempts += their_attempts
        if gone < size:
            break
    feed_entries = await _in_batches(
        unit_of_work, purge_feed_batch, now - timedelta(days=settings.feed_retention_days), size
    )
    inbox_items = await _in_batches(
        unit_of_work, purge_inbox_items_batch, now - timedelta(days=settings.inbox_item_retention_days), size
    )
    return Purged(deliveries, attempts, feed_entries, inbox_items)


async def _in_batches(
    unit_of_work: UnitOfWork, purge: Callable[..., Awaitable[int]], cutoff: datetime, size: int
) -> int:
    total = 0
    while True:
        async with unit_of_work() as session:
            deleted = await purge(session, cutoff=cutoff, batch=size)
        total += deleted
        if deleted < size:
            return total


async def run_notification_retention(runtime: Runtime) -> None:
    """Purge notification's rows every `retention_interval_s` (the bus's cadence), the first pass
    at start-up; an interval of 0 turns it off like the shared worker. A failing pass raises and
    the runtime's supervisor restarts the worker."""
    settings: NotificationSettings = runtime.settings  # type: ignore[assignment]
    if settings.retention_interval_s <= 0:
        return
    while True:
        purged = await purge_once(runtime.unit_of_work, settings, now=runtime.clock.now())
        if purged:
            log.info(
                "retention purged %d deliveries (%d attempts), %d feed entries and %d read inbox items",
                purged.deliveries,
                purged.attempts,
                purged.feed_entries,
                purged.inbox_items,
            )
        await asyncio.sleep(settings.retention_interval_s)

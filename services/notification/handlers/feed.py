"""The feed: append every event as it is consumed; read a page of what the caller may see.

Readers page by `seq` (`after=<cursor>`), so a row must never become visible after a row with a
higher `seq`: a reader whose cursor had passed it would skip it for good. `seq` is taken from the
sequence at INSERT, and on PostgreSQL the consumer commits up to `PARALLEL_PARTITIONS` partition
batches at once, on every replica, so without care a transaction that took seq 100 can commit after
one that took seq 101.

How it is prevented: the events appended in a transaction are held back and inserted only when it
commits (a `before_commit` hook on the session, `handlers/commit_order.py`, shared with the
delivery log's numbering), after a transaction-scoped advisory lock
(`pg_advisory_xact_lock(FEED_LOCK_KEY)`). Feed writers thus take their `seq` values and commit one at
a time: a transaction holding the lock takes only numbers above those of every transaction that
held it before, and PostgreSQL makes a commit visible before it releases the transaction's locks, so
by the time any reader can see a row, every row with a lower `seq` is committed or rolled back. On
SQLite the database's one writer already orders them the same way; no lock is needed.

Why this and not a reader-side horizon (return only rows older than the oldest transaction still
running, e.g. `pg_snapshot_xmin(pg_current_snapshot())` recorded per row as `xid8`): the horizon
needs a new column, a cursor ordered by transaction id rather than `seq`, a second design for
SQLite, and any long transaction on the server (another service's included) would hold every
reader back. The lock keeps the schema, the cursor and the reading query as they were.

The cost: feed writers wait for one another only from the lock to their COMMIT, which is the INSERT
of the batch's feed rows and the commit itself (its WAL flush), because the rest of the batch (up to
500 events' fan-out, the inbox claim, deliveries) is flushed before the lock is taken. Four
partitions' batches still do their Python and their other SQL side by side; what they no longer
share is the last few milliseconds of each commit. Rolled-back transactions leave gaps in `seq`,
which readers step over. It relies on the sequence's default CACHE 1 (a cached range per session
would hand out numbers out of order again).
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain import feed
from services.notification.handlers.commit_order import FEED_LOCK_KEY, hold_feed_entry
from services.notification.models.feed import FeedEntry, FeedPage
from shared.access import Principal
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.base import EventPayload

__all__ = ["FEED_LOCK_KEY", "SCAN_FACTOR", "append", "read"]

SCAN_FACTOR = 20
"""Rows examined per requested item, so a reader who may see little still gets a bounded query."""


def append(
    session: AsyncSession, event: ReceivedEvent[EventPayload], *, assigned_utilities: list[str] | None = None
) -> None:
    """Store the event for pull readers (the inbox already made its handling idempotent), with the
    utilities its works are assigned to, so they may read it too.

    The row is inserted when the transaction commits (see the module's docstring and
    `handlers/commit_order.py`), so it is not visible to queries in the same transaction before that."""
    entry = FeedEntry(
        event_id=event.id,
        event_type=event.envelope.type,
        district_code=event.envelope.districtcode,
        content=event.envelope.to_bytes().decode(),
        stored_at=event.now,
        assigned_utilities=assigned_utilities or None,
    )
    hold_feed_entry(session.sync_session, entry)


async def read(
    session: AsyncSession, reader: Principal, *, after: int, limit: int, types: list[str] | None = None
) -> FeedPage:
    rows = (
        await session.exec(
            select(FeedEntry)
            .where(col(FeedEntry.seq) > after)
            .order_by(col(FeedEntry.seq))
            .limit(limit * SCAN_FACTOR)
        )
    ).all()
    result = feed.page(reader, rows, after, limit, types or ())
    return FeedPage(items=result.items, next_cursor=str(result.next_cursor))

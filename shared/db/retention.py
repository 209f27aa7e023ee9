"""Retention of the bus's bookkeeping rows (issue 12, item 11), run on a schedule by each service.

- **Outbox:** nothing to purge. The relay deletes a row once the broker acknowledged it, and
  pending and parked rows stay whatever their age (they are work).
- **Inbox:** rows whose `handled_at` is older than `inbox_retention_days` go. The inbox is what
  makes a redelivered event a no-op, so it must outlive every way an event can come back: the
  topic's retention (a consumer group reset to the earliest offset replays that far) plus a
  margin. `purge_inbox` refuses a retention that is not longer than the topic's.

Deletes run in bounded batches, each its own short transaction, so a first purge of a large
table neither holds locks for long nor bloats one transaction. The caller passes `now` (the
service clock) and commits nothing itself: each batch goes through the given session factory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bus.inbox import InboxMessage

__all__ = ["REPLAY_MARGIN", "purge_inbox"]

REPLAY_MARGIN = timedelta(days=1)
"""How much longer than the topic's retention an inbox row is kept, at the least."""

_INBOX = InboxMessage.__table__  # type: ignore[attr-defined]


async def purge_inbox(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    older_than: timedelta,
    topic_retention: timedelta,
    batch: int = 5000,
) -> int:
    """Delete inbox rows handled before `now - older_than`; returns how many.

    Args:
        sessions: the service's session factory; each batch is its own transaction.
        now: the service clock's time.
        older_than: `inbox_retention_days` as a timedelta.
        topic_retention: the topics' `retention.ms` (`kafka_topic_retention_ms`) as a timedelta.
        batch: rows deleted per transaction.

    Raises:
        ValueError: `older_than` does not exceed the topic retention by `REPLAY_MARGIN`: an
            event still on the topic could be replayed and applied a second time.
    """
    if older_than < topic_retention + REPLAY_MARGIN:
        raise ValueError(
            f"inbox retention {older_than} must exceed the topic retention {topic_retention} "
            f"by at least {REPLAY_MARGIN}, or a replayed event would be applied twice"
        )
    cutoff = now - older_than
    keys = (
        select(_INBOX.c.consumer_group, _INBOX.c.event_id)
        .where(_INBOX.c.handled_at < cutoff)
        .limit(batch)
        .subquery()
    )
    statement = delete(_INBOX).where(
        _INBOX.c.handled_at < cutoff,
        _INBOX.c.event_id.in_(select(keys.c.event_id)),
    )
    return await _delete_in_batches(sessions, statement)


async def _delete_in_batches(sessions: async_sessionmaker[AsyncSession], statement: object) -> int:
    total = 0
    while True:
        async with sessions() as session, session.begin():
            connection = await session.connection()
            deleted = (await connection.execute(statement)).rowcount  # type: ignore[arg-type, attr-defined]
        total += deleted or 0
        if not deleted:
            return total

"""The feed: append every event as it is consumed; read a page of what the caller may see."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain import feed
from services.notification.models.feed import FeedEntry, FeedPage
from shared.access import Principal
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.base import EventPayload

SCAN_FACTOR = 20
"""Rows examined per requested item, so a reader who may see little still gets a bounded query."""


def append(
    session: AsyncSession, event: ReceivedEvent[EventPayload], *, assigned_utilities: list[str] | None = None
) -> None:
    """Store the event for pull readers (the inbox already made its handling idempotent), with the
    utilities its works are assigned to, so they may read it too."""
    session.add(
        FeedEntry(
            event_id=event.id,
            event_type=event.envelope.type,
            district_code=event.envelope.districtcode,
            content=event.envelope.to_bytes().decode(),
            stored_at=event.now,
            assigned_utilities=assigned_utilities or None,
        )
    )


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

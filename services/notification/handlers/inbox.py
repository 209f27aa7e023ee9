"""The in-app inbox: items are added by fan-out; an organisation lists, counts and reads its own."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain.messages import render
from services.notification.models import InboxCount, InboxItem
from shared.access import Principal
from shared.contracts.envelope import CloudEvent
from shared.errors import NotFoundError


def add_item(session: AsyncSession, org_code: str, event: CloudEvent, now: datetime) -> None:
    """One item for the organisation (fan-out adds it once even if several subscriptions match)."""
    message = render(event.type, event.data, event.time)
    session.add(
        InboxItem(
            org_code=org_code,
            event_id=event.id,
            event_type=event.type,
            title=message.subject,
            body=message.body,
            created_at=now,
        )
    )


def add_notice(
    session: AsyncSession, org_code: str, *, key: str, title: str, body: str, now: datetime
) -> None:
    """A notice from the platform itself (not an event), e.g. an endpoint disabled."""
    session.add(
        InboxItem(
            org_code=org_code,
            event_id=key[:64],
            event_type="notification.notice",
            title=title,
            body=body,
            created_at=now,
        )
    )


async def list_items(
    session: AsyncSession, reader: Principal, *, unread_only: bool, limit: int
) -> list[InboxItem]:
    """The caller's own items, newest first."""
    query = select(InboxItem).where(InboxItem.org_code == reader.org_code)
    if unread_only:
        query = query.where(col(InboxItem.read_at).is_(None))
    query = query.order_by(col(InboxItem.created_at).desc(), col(InboxItem.id)).limit(limit)
    return list((await session.exec(query)).all())


async def count(session: AsyncSession, reader: Principal) -> InboxCount:
    own = InboxItem.org_code == reader.org_code
    total = (await session.exec(select(func.count()).where(own))).one()
    unread = (await session.exec(select(func.count()).where(own, col(InboxItem.read_at).is_(None)))).one()
    return InboxCount(unread=int(unread), total=int(total))


async def mark_read(
    session: AsyncSession, reader: Principal, item_id: uuid.UUID, *, now: datetime
) -> InboxItem:
    """Mark an item read (reading it again keeps the first time)."""
    item = await session.get(InboxItem, item_id, with_for_update=True)
    if item is None or item.org_code != reader.org_code:
        raise NotFoundError(f"no inbox item {item_id}")
    if item.read_at is None:
        item.read_at = now
        session.add(item)
    return item


async def mark_all_read(session: AsyncSession, reader: Principal, *, now: datetime) -> InboxCount:
    await session.exec(
        update(InboxItem)
        .where(InboxItem.org_code == reader.org_code, col(InboxItem.read_at).is_(None))
        .values(read_at=now)
    )
    return await count(session, reader)

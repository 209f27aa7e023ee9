"""The inbox: which events a consumer group has already handled, written in the handler's transaction.

A row (consumer group, event id) commits together with the handler's state change, so a redelivered
event finds its row and is skipped: one effect however often Kafka delivers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Column, String, insert, select
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import utcnow
from shared.db_types import UtcDateTime


class InboxMessage(SQLModel, table=True):
    """An event this consumer group has handled."""

    __tablename__ = "inbox_message"

    consumer_group: str = Field(sa_column=Column(String(200), primary_key=True))
    event_id: str = Field(sa_column=Column(String(64), primary_key=True))
    event_type: str = Field(sa_column=Column(String(200), nullable=False))
    handled_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


async def already_handled(session: AsyncSession, group: str, event_ids: Iterable[str]) -> set[str]:
    """The subset of `event_ids` this group has handled before."""
    ids = list(event_ids)
    if not ids:
        return set()
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    rows = await session.exec(
        select(table.c.event_id).where(table.c.consumer_group == group, table.c.event_id.in_(ids))
    )
    return {row[0] for row in rows}


async def record_handled(
    session: AsyncSession, group: str, events: Iterable[tuple[str, str]]
) -> None:
    """Insert inbox rows for (event id, type) pairs; a concurrent duplicate fails the commit."""
    now = utcnow()
    rows = [
        {"consumer_group": group, "event_id": eid, "event_type": etype, "handled_at": now}
        for eid, etype in events
    ]
    if rows:
        await session.exec(insert(InboxMessage.__table__), params=rows)  # type: ignore[attr-defined,call-overload]

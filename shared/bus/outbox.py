"""The transactional outbox: events are rows written in the same transaction as the state change.

A command or handler calls `stage()` before committing; the relay publishes the row later. A crash
between commit and publish loses nothing, because the row is still pending.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Text, event
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import utcnow
from shared.contracts.base import EventPayload
from shared.contracts.envelope import CloudEvent
from shared.db_types import UtcDateTime

PENDING = "pending"
PUBLISHED = "published"
WAKER_KEY = "outbox_waker"
_STAGED_KEY = "outbox_staged"


class OutboxMessage(SQLModel, table=True):
    """One event waiting to be (or already) published; the shape follows eShop's outbox."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_pending", "state", "next_attempt_at", "id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    event_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    event_type: str = Field(sa_column=Column(String(200), nullable=False))
    topic: str = Field(sa_column=Column(String(200), nullable=False))
    partition_key: str = Field(sa_column=Column(String(200), nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default=PENDING, sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    next_attempt_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


def stage(session: AsyncSession, payload: EventPayload) -> CloudEvent:
    """Add `payload`, wrapped in a CloudEvent, to the session's outbox; the caller commits.

    Returns the envelope, so callers can log or return its id. Nothing is sent here.
    """
    envelope = CloudEvent.wrap(payload)
    now = utcnow()
    session.add(
        OutboxMessage(
            event_id=envelope.id,
            event_type=envelope.type,
            topic=payload.TOPIC,
            partition_key=payload.partition_key(),
            content=envelope.to_bytes().decode(),
            created_at=now,
            next_attempt_at=now,
        )
    )
    session.info[_STAGED_KEY] = True
    return envelope


@event.listens_for(Session, "after_commit")
def _wake_relay_after_commit(session: Session) -> None:
    """Wake this service's relay once a transaction that staged events commits (no poll delay)."""
    if session.info.pop(_STAGED_KEY, False):
        waker: Any = session.info.get(WAKER_KEY)
        if waker is not None:
            waker()


@event.listens_for(Session, "after_rollback")
def _forget_staged_after_rollback(session: Session) -> None:
    session.info.pop(_STAGED_KEY, None)

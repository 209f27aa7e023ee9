"""The transactional outbox: events are rows written in the same transaction as the state change.

A command or handler calls `add_to_outbox()` before its unit of work commits; the relay publishes
the row later and deletes it once the broker acknowledged it. A crash between commit and publish
loses nothing, because the row is still pending. After the commit, the unit of work asks
`has_new_events()` and wakes the relay explicitly. The table holds only work: pending rows and
parked ones; Kafka keeps what was published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Column, ColumnElement, FromClause, Index, Integer, String, Text, literal_column, text
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import utcnow
from shared.contracts.base import EventPayload
from shared.contracts.envelope import CloudEvent
from shared.db.bulk import insert_rows
from shared.db.staged_rows import insert_staged, stage_row
from shared.db.types import UtcDateTime

__all__ = [
    "PARKED",
    "PENDING",
    "OutboxMessage",
    "add_many_to_outbox",
    "add_to_outbox",
    "has_new_events",
    "in_state",
    "redrive_parked",
]

PENDING = "pending"
"""A row waiting to be sent (or being sent, or backing off after a failure)."""
PARKED = "parked"
"""A row the relay gave up on (never publishable, or too many failures); an operator re-drives it."""


def _state_index(name: str, column: str, state: str) -> Index:
    """A partial index of the rows in one state, on PostgreSQL and SQLite alike."""
    rows = text(f"state = '{state}'")
    return Index(name, column, postgresql_where=rows, sqlite_where=rows)


def in_state(table: FromClause, state: str) -> ColumnElement[bool]:
    """``state = '<state>'`` for outbox rows, the state written into the SQL rather than bound.

    Why: PostgreSQL uses a partial index (``ix_outbox_pending_id``, ``ix_outbox_parked_id``) only
    when the query's own text implies the index's predicate; a bound value does not, once psycopg
    prepares the statement and PostgreSQL plans it generically.

    Args:
        table: the outbox table or an alias of it.
        state: `PENDING` or `PARKED`.

    Returns:
        The condition, for a WHERE clause.

    Raises:
        ValueError: `state` is not an outbox state (it goes into the SQL's text).
    """
    if state not in (PENDING, PARKED):
        raise ValueError(f"not an outbox state: {state!r}")
    return table.c.state == literal_column(f"'{state}'")


_NEW_EVENTS_KEY = "outbox_new_events"


class OutboxMessage(SQLModel, table=True):
    """One event waiting to be published (or parked); the shape follows eShop's outbox.

    Attributes:
        event_id: the CloudEvent id (unique), so a re-sent row carries the same id.
        topic: the base topic name; the relay adds the deployment's prefix.
        partition_key: the Kafka key; rows of one key are published in id order.
        content: the whole envelope as JSON, sent byte for byte.
        state: `PENDING` or `PARKED`.
        attempts: failed publishes so far.
        last_error: the latest failure, for operators.
        next_attempt_at: not before this instant (backoff).
    """

    __tablename__ = "outbox_message"
    # The indexes `shared.bus.migration_ops.index_outbox_by_state` gives it, less the published
    # rows' one `delete_published_outbox_rows` drops.
    __table_args__ = (
        _state_index("ix_outbox_pending_id", "id", PENDING),
        _state_index("ix_outbox_parked_id", "id", PARKED),
    )

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


_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]


def add_to_outbox(session: AsyncSession, payload: EventPayload) -> CloudEvent:
    """Add `payload`, wrapped in a CloudEvent, to the session's outbox; the unit of work commits.

    Args:
        session: the session of the state change the event announces; the row commits or rolls
            back with it.
        payload: the event's data; its class names the type, source, topic and key. The
            correlation and causation ids come from `shared.context`.

    Returns:
        The envelope, so callers can log or return its id. Nothing is sent here.
    """
    envelope = CloudEvent.wrap(payload)
    now = utcnow()
    stage_row(
        session,
        _TABLE,
        {
            "event_id": envelope.id,
            "event_type": envelope.type,
            "topic": payload.TOPIC,
            "partition_key": payload.partition_key(),
            "content": envelope.to_bytes().decode(),
            "state": PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        },
    )
    session.info[_NEW_EVENTS_KEY] = True
    return envelope


async def add_many_to_outbox(session: AsyncSession, payloads: Sequence[EventPayload]) -> int:
    """Stage many events at once: the rows `add_to_outbox` would add, as multi-row INSERTs.

    Why: a bulk command (a ledger import of 20,000 communities) announces each record, and one
    ORM object per event would cost more than the records themselves. The rows commit or roll
    back with the caller's transaction, exactly like `add_to_outbox`'s, and wake the relay.

    Args:
        session: the session of the state change the events announce.
        payloads: the events' data, in the order they are to be published.

    Returns:
        How many rows were staged.
    """
    if not payloads:
        return 0
    now = utcnow()
    rows = [
        {
            "event_id": event.id,
            "event_type": event.type,
            "topic": payload.TOPIC,
            "partition_key": event.partition_key,
            "content": event.content,
            "state": PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for payload, event in zip(payloads, CloudEvent.encode_many(payloads, time=now), strict=True)
    ]
    await insert_staged(session)  # the events staged before these go first
    await insert_rows(await session.connection(), _TABLE, rows)
    session.info[_NEW_EVENTS_KEY] = True
    return len(rows)


def has_new_events(session: AsyncSession) -> bool:
    """Whether this session added outbox rows since the last call (and forget it).

    Args:
        session: the session the unit of work just committed.

    Returns:
        True once after a transaction that added events; the caller wakes the relay.
    """
    return bool(session.info.pop(_NEW_EVENTS_KEY, False))


async def redrive_parked(session: AsyncSession, ids: list[int] | None = None) -> int:
    """Put parked rows back in the queue (after fixing what made them fail, e.g. the broker's
    `message.max.bytes`); the caller's unit of work commits.

    Args:
        session: a session of the service's database.
        ids: the rows to re-drive; None for every parked row. Ids of rows that are not parked
            are ignored.

    Returns:
        How many rows are pending again (attempts reset, due now, last error cleared).
    """
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    statement = (
        sa.update(table)
        .where(in_state(table, PARKED))
        .values(state=PENDING, attempts=0, next_attempt_at=utcnow(), last_error=None)
    )
    if ids is not None:
        statement = statement.where(table.c.id.in_(ids))
    result = await session.exec(statement)  # type: ignore[call-overload]
    return int(result.rowcount or 0)

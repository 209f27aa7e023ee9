"""The inbox: which events a consumer group has already handled, written in the handler's transaction.

A row (consumer group, event id) commits together with the handler's state change, so a redelivered
event finds its row and is skipped: one effect however often Kafka delivers it. Why a table and
not Kafka offsets: an offset commit and a database commit cannot be atomic, a row can.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic_core import to_json
from sqlalchemy import JSON, Column, String, bindparam, cast, column, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import utcnow
from shared.db.types import UtcDateTime

__all__ = ["InboxMessage", "already_handled", "claim", "record_handled"]


class InboxMessage(SQLModel, table=True):
    """An event this consumer group has handled (primary key: group and event id).

    Attributes:
        consumer_group: the group that handled it (one service can host several).
        event_id: the CloudEvent id.
        event_type: its type, for operators reading the table.
        handled_at: when the handling transaction wrote the row (UTC).
    """

    __tablename__ = "inbox_message"

    consumer_group: str = Field(sa_column=Column(String(200), primary_key=True))
    event_id: str = Field(sa_column=Column(String(64), primary_key=True))
    event_type: str = Field(sa_column=Column(String(200), nullable=False))
    handled_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


async def already_handled(session: AsyncSession, group: str, event_ids: Iterable[str]) -> set[str]:
    """The subset of `event_ids` this group has handled before.

    Args:
        session: the handler's unit of work.
        group: the consumer group.
        event_ids: the ids to look up; may be empty.

    Returns:
        The ids that already have an inbox row (empty for an empty input, without a query).
    """
    ids = list(event_ids)
    if not ids:
        return set()
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    rows = await session.exec(
        select(table.c.event_id).where(table.c.consumer_group == group, table.c.event_id.in_(ids))
    )
    return {row[0] for row in rows}


async def record_handled(session: AsyncSession, group: str, events: Iterable[tuple[str, str]]) -> None:
    """Insert inbox rows for (event id, type) pairs in the caller's transaction (no commit).

    A concurrent duplicate is not skipped: it fails the insert or the commit with an integrity
    error, so two transactions never both handle one event. `claim` is the usual entry point.

    Args:
        session: the handler's unit of work.
        group: the consumer group.
        events: (event id, event type) pairs not yet recorded; may be empty.
    """
    now = utcnow()
    rows = [
        {"consumer_group": group, "event_id": eid, "event_type": etype, "handled_at": now}
        for eid, etype in events
    ]
    if rows:
        await session.exec(insert(InboxMessage.__table__), params=rows)  # type: ignore[attr-defined,call-overload]


def _claim_statement():  # type: ignore[no-untyped-def]
    """PostgreSQL: insert the batch's rows from one JSON array, skip the ones already there, and
    return the ids actually inserted. One statement whatever the batch size, and the conflict
    check is the primary-key index (a long `IN (...)` list can get a generic plan that scans the
    table). JSON rather than two arrays: psycopg dumps an array's elements one by one in Python,
    about 8 µs an event; pydantic-core's `to_json` writes the batch for a fraction of one."""
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    claimed = (
        func.json_to_recordset(cast(bindparam("events", type_=String), JSON))
        .table_valued(column("event_id", String), column("event_type", String))
        .render_derived(name="claimed", with_types=True)
    )
    rows = select(
        bindparam("consumer_group", type_=String),
        claimed.c.event_id,
        claimed.c.event_type,
        bindparam("handled_at", type_=UtcDateTime()),
    )
    return (
        pg_insert(table)
        .from_select(["consumer_group", "event_id", "event_type", "handled_at"], rows)
        .on_conflict_do_nothing(index_elements=["consumer_group", "event_id"])
        .returning(table.c.event_id)
    )


_CLAIM = _claim_statement()


async def claim(session: AsyncSession, group: str, events: Iterable[tuple[str, str]]) -> set[str]:
    """Insert inbox rows for the (event id, type) pairs this group has not handled yet.

    `already_handled` and `record_handled` in one step. On PostgreSQL it is one
    INSERT .. ON CONFLICT DO NOTHING RETURNING: an event a concurrent transaction is handling
    waits for that transaction and is skipped if it commits. Elsewhere (SQLite) it is the two
    functions in turn. Rolling the transaction back removes the rows again.

    Args:
        session: the unit of work the handlers will run in.
        group: the consumer group.
        events: (event id, event type) pairs; an id given twice counts once.

    Returns:
        The ids inserted, i.e. the events the caller must now handle in this same transaction;
        the others were handled before and are to be skipped.
    """
    pending = dict(events)  # one row per id, even if the batch holds an event twice
    if not pending:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        claimed = [{"event_id": eid, "event_type": et} for eid, et in pending.items()]
        rows = await session.exec(
            _CLAIM,  # type: ignore[call-overload]
            params={
                "consumer_group": group,
                "events": to_json(claimed).decode(),
                "handled_at": utcnow(),
            },
        )
        return {row[0] for row in rows}
    done = await already_handled(session, group, pending)
    fresh = {eid: etype for eid, etype in pending.items() if eid not in done}
    await record_handled(session, group, fresh.items())
    return set(fresh)

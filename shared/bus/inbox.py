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
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.clock import utcnow
from shared.db.types import UtcDateTime

__all__ = [
    "AlreadyClaimed",
    "InboxMessage",
    "already_handled",
    "claim",
    "record_handled",
    "record_new_in_bulk",
]


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


class AlreadyClaimed(Exception):
    """`claim(..., expect_new=True)` met an event the group has a row for (a redelivery, or a
    replica handling it at the same moment). The transaction is spoilt: roll it back and claim
    again with ``expect_new=False``, which skips the events handled before."""


def _claim_statement(skip_handled: bool):  # type: ignore[no-untyped-def]
    """PostgreSQL: insert the batch's rows from one JSON array in one statement whatever the
    batch size. JSON rather than two arrays: psycopg dumps an array's elements one by one in
    Python, about 8 µs an event; pydantic-core's `to_json` writes the batch for a fraction of one.

    With `skip_handled`, ``ON CONFLICT DO NOTHING RETURNING`` the ids inserted (the conflict
    check is the primary-key index; a long `IN (...)` list can get a generic plan that scans the
    table). Without, a plain insert, which fails on a row already there: it descends the index
    once per row where the conflict check descends it twice and logs a third WAL record, about
    4.4 against 2.9 ms of PostgreSQL's CPU for 500 rows (bench/README.md)."""
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
    insert_rows = pg_insert(table).from_select(
        ["consumer_group", "event_id", "event_type", "handled_at"], rows
    )
    if not skip_handled:
        return insert_rows
    return insert_rows.on_conflict_do_nothing(index_elements=["consumer_group", "event_id"]).returning(
        table.c.event_id
    )


_CLAIM = _claim_statement(skip_handled=True)
_CLAIM_NEW = _claim_statement(skip_handled=False)


async def claim(
    session: AsyncSession, group: str, events: Iterable[tuple[str, str]], *, expect_new: bool = False
) -> set[str]:
    """Insert inbox rows for the (event id, type) pairs this group has not handled yet.

    `already_handled` and `record_handled` in one step. On PostgreSQL it is one
    INSERT .. ON CONFLICT DO NOTHING RETURNING: an event a concurrent transaction is handling
    waits for that transaction and is skipped if it commits. Elsewhere (SQLite) it is the two
    functions in turn. Rolling the transaction back removes the rows again.

    With `expect_new` the caller bets that none of the events was handled before, as is so for
    a consumer's batch unless it is redelivered: the rows go in by a plain insert, which costs
    PostgreSQL a third less, and a row already there raises `AlreadyClaimed` (PostgreSQL logs a
    unique violation) instead of being skipped.

    Args:
        session: the unit of work the handlers will run in.
        group: the consumer group.
        events: (event id, event type) pairs; an id given twice counts once.
        expect_new: insert every event, failing on one handled before (see above).

    Returns:
        The ids inserted, i.e. the events the caller must now handle in this same transaction;
        the others were handled before and are to be skipped.

    Raises:
        AlreadyClaimed: only with `expect_new`; the session's transaction must be rolled back.
    """
    pending = dict(events)  # one row per id, even if the batch holds an event twice
    if not pending:
        return set()
    if expect_new:
        try:
            await _insert_new(session, group, pending)
        except IntegrityError as exc:  # every column is given and not null: it is the key
            raise AlreadyClaimed(f"{group} has handled an event of this batch before") from exc
        return set(pending)
    if session.get_bind().dialect.name == "postgresql":
        rows = await session.exec(_CLAIM, params=_claim_params(group, pending))  # type: ignore[call-overload]
        return {row[0] for row in rows}
    done = await already_handled(session, group, pending)
    fresh = {eid: etype for eid, etype in pending.items() if eid not in done}
    await record_handled(session, group, fresh.items())
    return set(fresh)


async def _insert_new(session: AsyncSession, group: str, pending: dict[str, str]) -> None:
    """The plain insert of `claim(..., expect_new=True)`."""
    if session.get_bind().dialect.name == "postgresql":
        await session.exec(_CLAIM_NEW, params=_claim_params(group, pending))  # type: ignore[call-overload]
    else:
        await record_handled(session, group, pending.items())


def _claim_params(group: str, pending: dict[str, str]) -> dict[str, object]:
    """The PostgreSQL claim statements' parameters: the events as one JSON array."""
    claimed = [{"event_id": eid, "event_type": etype} for eid, etype in pending.items()]
    return {"consumer_group": group, "events": to_json(claimed).decode(), "handled_at": utcnow()}


_COPY_INBOX = "COPY inbox_message (consumer_group, event_id, event_type, handled_at) FROM STDIN"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """A string as a field of ``COPY``'s text format (backslash, tab and line ends escaped)."""
    return value.translate(_COPY_ESCAPES)


async def record_new_in_bulk(session: AsyncSession, group: str, events: dict[str, str]) -> None:
    """Insert inbox rows for many events the caller knows are new (a projection rebuild's chunk),
    in the caller's transaction. On PostgreSQL through psycopg one ``COPY`` of text written here
    (two constant columns and two strings a row: psycopg's `write_row` was 2-3 µs a row in
    Python); elsewhere `claim`'s plain insert. A row already there fails the insert, as
    `claim(expect_new=True)` does.

    Args:
        session: the unit of work the handlers ran in.
        group: the consumer group.
        events: event id → event type; may be empty.
    """
    if not events:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        await claim(session, group, events.items(), expect_new=True)
        return
    prefix = f"{_copy_text(group)}\t"
    suffix = f"\t{utcnow().isoformat()}\n"
    lines = [f"{prefix}{_copy_text(i)}\t{_copy_text(t)}{suffix}" for i, t in events.items()]
    driver = (await connection.get_raw_connection()).driver_connection
    async with driver.cursor() as cursor, cursor.copy(_COPY_INBOX) as copy:  # type: ignore[union-attr]
        await copy.write("".join(lines))

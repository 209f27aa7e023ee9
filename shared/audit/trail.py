"""The append-only audit trail every service keeps: who did what to which record, when, from which request.

Entries are added to the session of the write they describe, so they commit (or roll back) with
it. The table refuses UPDATE and DELETE at the database (triggers created by the migration).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, String, Text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.access import Principal
from shared.clock import utcnow
from shared.context import causation_id_var, correlation_id_var
from shared.db.staged_rows import stage_row
from shared.db.types import UtcDateTime

__all__ = ["AuditEntry", "AuditEntryPublic", "query", "record"]


class AuditEntry(SQLModel, table=True):
    """One stored entry; ``before`` and ``after`` are JSON text (keys sorted, non-ASCII kept).

    Attributes:
        at: when the entry was written (UTC).
        actor_subject: the caller's subject (the token's ``sub``).
        actor_org: the caller's organisation code.
        actor_kind: the kind of that organisation (office, department, district, ...).
        action: what was done, e.g. ``award.approved``.
        record_type: the kind of record, e.g. ``award``.
        record_id: which record.
        request_id: the correlation id of the request or event chain.
        causation_id: the event that caused the write, when an event handler wrote it.
    """

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    actor_subject: str = Field(sa_column=Column(String(200), nullable=False))
    actor_org: str = Field(sa_column=Column(String(64), nullable=False))
    actor_kind: str = Field(sa_column=Column(String(32), nullable=False))
    action: str = Field(sa_column=Column(String(100), nullable=False, index=True))
    record_type: str = Field(sa_column=Column(String(64), nullable=False))
    record_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))
    request_id: str | None = Field(default=None, sa_column=Column(String(64)))
    causation_id: str | None = Field(default=None, sa_column=Column(String(64)))


_TABLE = AuditEntry.__table__  # type: ignore[attr-defined]


class AuditEntryPublic(SQLModel):
    """An entry as ``GET /audit`` returns it, with ``before`` and ``after`` as JSON objects."""

    id: int
    at: datetime
    actor_subject: str
    actor_org: str
    actor_kind: str
    action: str
    record_type: str
    record_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    causation_id: str | None


def record(
    session: AsyncSession,
    actor: Principal,
    action: str,
    record_type: str,
    record_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the current transaction (the caller's unit of work commits).

    The time is the wall clock's (UTC), and the request and causation ids come from
    `shared.context`; nothing is flushed here.

    Args:
        session: the session of the write being audited.
        actor: who did it.
        action: what was done, e.g. ``award.approved``.
        record_type: the kind of record, e.g. ``award``.
        record_id: which record; stored as ``str(record_id)``.
        before: the record's relevant fields before the write (None for a creation).
        after: the same fields after it; values JSON cannot hold are stored as ``str()``.
    """
    stage_row(
        session,
        _TABLE,
        {
            "at": utcnow(),
            "actor_subject": actor.subject,
            "actor_org": actor.org_code,
            "actor_kind": actor.org_kind.value,
            "action": action,
            "record_type": record_type,
            "record_id": str(record_id),
            "before": _dump(before),
            "after": _dump(after),
            "request_id": correlation_id_var.get(),
            "causation_id": causation_id_var.get(),
        },
    )


async def query(
    session: AsyncSession,
    *,
    record_id: str | None,
    action: str | None,
    limit: int,
    before_id: int | None = None,
) -> list[AuditEntryPublic]:
    """Read entries newest first (by id, which only grows), optionally for one record or action.

    Args:
        session: a session of the service's database.
        record_id: only this record's entries; None or empty for every record.
        action: only entries of this action; None or empty for every action.
        limit: the most entries returned.
        before_id: only entries older than this one (the last id of the previous page).

    Returns:
        The entries, with ``before`` and ``after`` parsed back into dicts.
    """
    statement = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if record_id:
        statement = statement.where(AuditEntry.record_id == record_id)
    if action:
        statement = statement.where(AuditEntry.action == action)
    if before_id is not None:
        statement = statement.where(col(AuditEntry.id) < before_id)
    rows = (await session.exec(statement)).all()
    return [
        AuditEntryPublic.model_validate(row, update={"before": _load(row.before), "after": _load(row.after)})
        for row in rows
    ]


def _dump(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _load(value: str | None) -> dict[str, Any] | None:
    return None if value is None else json.loads(value)

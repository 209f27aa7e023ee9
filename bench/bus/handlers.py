"""The consumer's handler choices: each does one kind of per-event work, and `EFFECTS` says how
to count what it did (to check every event was handled exactly once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.handlers import count_registered_project
from shared.bus.subscriptions import Handler, ReceivedEvent
from shared.contracts.registry import ProjectRegistered
from shared.db.staged_rows import stage_row
from shared.db.types import UtcDateTime


class BenchCounter(SQLModel, table=True):
    """A counter per district for the 'upsert' handler (created by the bench, not by a migration)."""

    __tablename__ = "bench_counter"

    district_code: str = Field(sa_column=Column(String(64), primary_key=True))
    registered_projects: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


_ROLLUP = BenchCounter.__table__  # type: ignore[attr-defined]
_UPSERT = (
    pg_insert(_ROLLUP)
    .values(registered_projects=1)
    .on_conflict_do_update(
        index_elements=[_ROLLUP.c.district_code],
        set_={
            "registered_projects": _ROLLUP.c.registered_projects + 1,
            "updated_at": pg_insert(_ROLLUP).excluded.updated_at,
        },
    )
)


async def upsert_district_counter(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """One small write per event: bump the district's counter with a single upsert statement."""
    await session.exec(
        _UPSERT,  # type: ignore[call-overload]
        params={"district_code": event.payload.district_code, "updated_at": event.now},
    )


BENCH_TABLES = ("bench_event", "bench_counter")
"""The bench's own tables, created on each fresh database."""


class BenchEvent(SQLModel, table=True):
    """A row per event for the 'insert' handler (created by the bench, not by a migration)."""

    __tablename__ = "bench_event"

    event_id: str = Field(sa_column=Column(String(64), primary_key=True))
    district_code: str = Field(sa_column=Column(String(64), nullable=False))
    investment_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    received_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


def _event_row(event: ReceivedEvent[ProjectRegistered]) -> dict[str, object]:
    """The `bench_event` row both insert handlers write for one event."""
    return {
        "event_id": event.id,
        "district_code": event.payload.district_code,
        "investment_fen": event.payload.investment_fen,
        "received_at": event.now,
    }


async def insert_event_row(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """One small write per event through the unit of work: flushed in bulk at the batch commit."""
    session.add(BenchEvent(**_event_row(event)))


_EVENT_ROWS = BenchEvent.__table__  # type: ignore[attr-defined]


async def stage_event_row(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """The same row, staged (`shared.db.staged_rows`): no model object, and the batch's rows go
    in one prebuilt INSERT at its commit, the way the platform writes its outbox and audit rows."""
    stage_row(session, _EVENT_ROWS, _event_row(event))


async def no_write(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """No handler work at all: what is left is the bus's own cost (decode, inbox, commits)."""


HANDLERS: dict[str, Handler] = {
    "upsert": upsert_district_counter,  # Core INSERT .. ON CONFLICT DO UPDATE: 1 statement/event
    "reporting": count_registered_project,  # the reporting service's own ORM handler
    "insert": insert_event_row,  # ORM add, no round trip per event
    "staged": stage_event_row,  # a staged row, one INSERT per batch
    "none": no_write,
}
HANDLER_NOTES = {
    "upsert": "INSERT .. ON CONFLICT DO UPDATE of one of 16 district counters per event",
    "reporting": "services.reporting.handlers.count_registered_project (deltas merged per batch, one upsert)",
    "insert": "session.add() of one bench_event row per event, flushed at the batch commit",
    "staged": "stage_row() of one bench_event row per event, one INSERT of the batch's rows at its commit",
    "none": "no handler work: the bus alone (decode, inbox, DB commit, offset commit)",
}
EFFECTS: dict[str, str | None] = {
    "upsert": "SELECT coalesce(sum(registered_projects), 0) FROM bench_counter",
    "reporting": "SELECT coalesce(sum(registered_projects), 0) FROM district_day",
    "insert": "SELECT count(*) FROM bench_event",
    "staged": "SELECT count(*) FROM bench_event",
    "none": None,  # no effect of its own: the inbox rows are the effect
}

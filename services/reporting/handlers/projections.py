"""Projection updates: each event adds its delta to one daily row in ONE SQL statement.

`INSERT ... ON CONFLICT DO UPDATE SET figure = figure + :delta` is atomic in the database on both
PostgreSQL and SQLite, so two reporting replicas consuming at once never lose an increment (a
read-modify-write in Python would). The inbox row commits in the same transaction, so a
redelivered event adds nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.projections import Delta, effective_day, figure_delta
from services.reporting.models.projections import DistrictDay
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted, ProjectRegistered

_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}
_KEY = ("programme_code", "district_code", "day")


async def add_delta(session: AsyncSession, delta: Delta, now: datetime) -> None:
    """Add `delta` to its (programme, district, day) row, creating the row if needed: one statement.

    Args:
        session: the handler's unit of work (committed by the consumer, with the inbox row).
        delta: checked amounts from `figure_delta`.
        now: the service clock's time, stored as the row's `updated_at`.
    """
    table = DistrictDay.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    insert = _INSERTS.get(dialect)
    if insert is None:
        raise RuntimeError(f"reporting projections need PostgreSQL or SQLite, not {dialect}")
    statement = insert(table).values(
        programme_code=delta.programme_code,
        district_code=delta.district_code,
        day=delta.day,
        updated_at=now,
        **delta.amounts,
    )
    statement = statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={
            **{name: table.c[name] + statement.excluded[name] for name in delta.amounts},
            "updated_at": statement.excluded.updated_at,
        },
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def count_registered_project(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """A registered project joins its district's ledger, with its planned investment."""
    p = event.payload
    delta = figure_delta(
        p.programme_code,
        p.district_code,
        effective_day(event.envelope.time),
        {"registered_projects": 1, "registered_investment_fen": p.investment_fen},
    )
    await add_delta(session, delta, event.now)


async def count_accepted_project(session: AsyncSession, event: ReceivedEvent[ProjectAccepted]) -> None:
    """An accepted project counts from its acceptance date (工程验收), not from when we heard of it."""
    p = event.payload
    delta = figure_delta(
        p.programme_code,
        p.district_code,
        effective_day(event.envelope.time, p.accepted_on),
        {"accepted_projects": 1, "accepted_investment_fen": p.investment_fen},
    )
    await add_delta(session, delta, event.now)


async def add_approved_award(session: AsyncSession, event: ReceivedEvent[SubsidyApproved]) -> None:
    """An award Finance approved adds to its district's approved total on the day of approval."""
    p = event.payload
    delta = figure_delta(
        p.programme_code,
        p.district_code,
        effective_day(event.envelope.time),
        {"approved_awards": 1, "approved_award_fen": p.amount_fen},
    )
    await add_delta(session, delta, event.now)

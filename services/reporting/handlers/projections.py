"""Projection updates: each event adds its delta to one daily row in ONE SQL statement.

`INSERT ... ON CONFLICT DO UPDATE SET figure = figure + :delta` is atomic in the database on both
PostgreSQL and SQLite, so two reporting replicas consuming at once never lose an increment (a
read-modify-write in Python would). The inbox row commits in the same transaction, so a
redelivered event adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.projections import Delta, effective_day, figure_delta
from services.reporting.models.projections import DistrictDay
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.funding import (
    SubsidyAdjusted,
    SubsidyApproved,
    SubsidyDisbursed,
    SubsidyDisbursementReversed,
)
from shared.contracts.registry import (
    ProjectAccepted,
    ProjectRegistered,
    PropertyTakenOver,
    SafetyPatrolRecorded,
)
from shared.contracts.reporting import DistrictLagging, WeeklyReportOverdue

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


def _step_counter(figure: str, dated: Callable[[object], date]):  # type: ignore[no-untyped-def]
    """A handler that counts one project reaching a lifecycle step on the date the event states."""

    async def count(session: AsyncSession, event: ReceivedEvent) -> None:  # type: ignore[type-arg]
        p = event.payload
        day = effective_day(event.envelope.time, dated(p))
        await add_delta(session, figure_delta(p.programme_code, p.district_code, day, {figure: 1}), event.now)

    count.__name__ = f"count_{figure}"
    count.__doc__ = f"One more project in `{figure}`, on the day the step happened."
    return count


count_review_passed = _step_counter("reviews_passed", lambda p: p.passed_on)  # type: ignore[attr-defined]
count_tendered_project = _step_counter("tendered_projects", lambda p: p.awarded_on)  # type: ignore[attr-defined]
count_started_project = _step_counter("started_projects", lambda p: p.started_on)  # type: ignore[attr-defined]
count_completed_project = _step_counter("completed_projects", lambda p: p.completed_on)  # type: ignore[attr-defined]
count_failed_acceptance = _step_counter("acceptance_failures", lambda p: p.inspected_on)  # type: ignore[attr-defined]
count_rectification = _step_counter("rectifications_completed", lambda p: p.rectified_on)  # type: ignore[attr-defined]
count_closed_project = _step_counter("closed_projects", lambda p: p.closed_on)  # type: ignore[attr-defined]


async def add_award_adjustment(session: AsyncSession, event: ReceivedEvent[SubsidyAdjusted]) -> None:
    """A true-up on the audited investment (signed) adds to the district's adjustments."""
    p = event.payload
    day = effective_day(event.envelope.time, p.audited_on)
    delta = figure_delta(p.programme_code, p.district_code, day, {"award_adjustment_fen": p.adjustment_fen})
    await add_delta(session, delta, event.now)


async def add_disbursement(session: AsyncSession, event: ReceivedEvent[SubsidyDisbursed]) -> None:
    """A paid tranche adds to the district's paid total on its payment date."""
    p = event.payload
    day = effective_day(event.envelope.time, p.paid_on)
    await add_delta(
        session, figure_delta(p.programme_code, p.district_code, day, {"paid_fen": p.amount_fen}), event.now
    )


async def subtract_reversed_disbursement(
    session: AsyncSession, event: ReceivedEvent[SubsidyDisbursementReversed]
) -> None:
    """A reversed tranche takes its amount off the paid total on the reversal date."""
    p = event.payload
    day = effective_day(event.envelope.time, p.reversed_on)
    await add_delta(
        session, figure_delta(p.programme_code, p.district_code, day, {"paid_fen": -p.amount_fen}), event.now
    )


async def count_overdue_report(session: AsyncSession, event: ReceivedEvent[WeeklyReportOverdue]) -> None:
    """A weekly report flagged overdue counts against its district on the day it was due."""
    p = event.payload
    delta = figure_delta(p.programme_code, p.district_code, p.due_on, {"weekly_reports_overdue": 1})
    await add_delta(session, delta, event.now)


async def count_lagging_notice(session: AsyncSession, event: ReceivedEvent[DistrictLagging]) -> None:
    """A bulletin that named the district lagging counts against it on the bulletin's as-of day."""
    p = event.payload
    delta = figure_delta(p.programme_code, p.district_code, p.as_of, {"lagging_in_bulletins": 1})
    await add_delta(session, delta, event.now)


async def count_takeover(session: AsyncSession, event: ReceivedEvent[PropertyTakenOver]) -> None:
    """A community taken over after renovation (物业接管), with its floor area in dm² (0.01 m²)."""
    p = event.payload
    amounts = {"taken_over_projects": 1}
    if p.floor_area_m2 is not None:
        area = (p.floor_area_m2 * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        amounts["taken_over_floor_area_dm2"] = int(area)
    delta = figure_delta(
        p.programme_code, p.district_code, effective_day(event.envelope.time, p.taken_over_on), amounts
    )
    await add_delta(session, delta, event.now)


async def count_safety_patrol(session: AsyncSession, event: ReceivedEvent[SafetyPatrolRecorded]) -> None:
    """A daily safety patrol of a site (Zhongyuan 五(二)5) and the hazards it found, on the day patrolled."""
    p = event.payload
    amounts = {"patrols_recorded": 1, "patrol_hazards": len(p.hazards)}
    delta = figure_delta(p.programme_code, p.district_code, p.patrolled_on, amounts)
    await add_delta(session, delta, event.now)

"""Projection updates: each event adds its delta to one daily row, written in ONE SQL statement.

`INSERT ... ON CONFLICT DO UPDATE SET figure = figure + excluded.figure` is atomic in the database
on both PostgreSQL and SQLite, so two reporting replicas consuming at once never lose an increment
(a read-modify-write in Python would). The deltas of one unit of work (a consumer batch) are merged
per row and written together just before its commit, to the day's row and to the month's
(`district_month`, which rollups read for whole months); the inbox rows commit in the same
transaction, so a redelivered event adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain.projections import (
    FIGURES,
    STREET_FIGURES,
    Delta,
    area_dm2,
    effective_day,
    figure_delta,
)
from services.reporting.handlers import central_list, streets
from services.reporting.handlers.upserts import INSERTS, additive_upsert, json_additive_upsert
from services.reporting.models.projections import DistrictDay, DistrictMonth, UtilityDay
from services.reporting.models.streets import STEP_DAYS
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.funding import (
    SubsidyAdjusted,
    SubsidyApproved,
    SubsidyDisbursed,
    SubsidyDisbursementReversed,
)
from shared.contracts.registry import (
    PipelineWorkAssigned,
    PipelineWorkCompleted,
    PipelineWorkExempted,
    PipelineWorkStarted,
    PlanApproved,
    ProjectAccepted,
    ProjectRegistered,
    PropertyTakenOver,
    SafetyPatrolRecorded,
    StepDeadlineMissed,
)
from shared.contracts.reporting import DistrictLagging, WeeklyReportOverdue


async def add_delta(session: AsyncSession, delta: Delta, now: datetime) -> None:
    """Add `delta` to its (programme, district, day) row when the unit of work commits.

    Deltas of one transaction are merged per row in memory and written by `_write_pending`
    just before the commit: one `INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x`
    executed for all the rows at once (in key order, so two replicas lock rows in the same
    order). A consumer batch of 500 events is one round of writes instead of 500 statements,
    and every update is still atomic in the database.

    Args:
        session: the handler's unit of work (committed by the consumer, with the inbox row).
        delta: checked amounts from `figure_delta`.
        now: the service clock's time, stored as the row's `updated_at`.
    """
    info = session.sync_session.info
    pending: dict[tuple[str, str, date], _Pending] = info.setdefault(_PENDING, {})
    key = (delta.programme_code, delta.district_code, delta.day)
    row = pending.get(key)
    if row is None:
        row = pending[key] = _Pending(now)
    row.add(delta.amounts, now)


_PENDING = "reporting.pending_deltas"


class _Pending:
    """One row's merged amounts within a transaction (only the figures its events named)."""

    __slots__ = ("amounts", "updated_at")

    def __init__(self, now: datetime) -> None:
        self.amounts: dict[str, int] = {}
        self.updated_at = now

    def add(self, amounts: Mapping[str, int], now: datetime) -> None:
        mine = self.amounts
        for name, amount in amounts.items():
            mine[name] = mine.get(name, 0) + amount
        if now > self.updated_at:
            self.updated_at = now


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Write the transaction's merged deltas just before it commits (inside its greenlet)."""
    pending: dict[tuple[str, str, date], _Pending] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in INSERTS:
        raise RuntimeError(f"reporting projections need PostgreSQL or SQLite, not {dialect}")
    months: dict[tuple[str, str, date], _Pending] = {}
    for (programme, district, day), row in pending.items():
        key = (programme, district, day.replace(day=1))
        month = months.get(key)
        if month is None:
            month = months[key] = _Pending(row.updated_at)
        month.add(row.amounts, row.updated_at)
    if dialect == "postgresql":
        session.execute(json_additive_upsert(DistrictDay, FIGURES), _json_rows(pending, "day"))
        session.execute(json_additive_upsert(DistrictMonth, FIGURES), _json_rows(months, "month"))
        return
    session.execute(additive_upsert(dialect, DistrictDay, FIGURES), _rows(pending, "day"))
    session.execute(additive_upsert(dialect, DistrictMonth, FIGURES), _rows(months, "month"))


_ZEROS = dict.fromkeys(FIGURES, 0)


def _rows(pending: dict[tuple[str, str, date], _Pending], period: str) -> list[dict[str, Any]]:
    """Parameter rows in key order, so concurrent replicas take row locks in the same order."""
    return [
        {
            "programme_code": key[0],
            "district_code": key[1],
            period: key[2],
            "updated_at": pending[key].updated_at,
            **_ZEROS,
            **pending[key].amounts,
        }
        for key in sorted(pending)
    ]


def _json_rows(pending: dict[tuple[str, str, date], _Pending], period: str) -> dict[str, str]:
    """The rows of `_rows` as one JSON array (key order kept, unnamed figures left out), for
    `json_additive_upsert`: the server parses it in C, where an array per column would be dumped
    element by element in Python."""
    rows = []
    stamps: dict[datetime, str] = {}  # a batch's rows mostly share one `now`
    for key in sorted(pending):
        row = pending[key]
        stamp = stamps.get(row.updated_at)
        if stamp is None:
            stamp = stamps[row.updated_at] = row.updated_at.isoformat()
        item: dict[str, Any] = dict(row.amounts)  # figures left out are coalesced to 0
        item["programme_code"], item["district_code"] = key[0], key[1]
        item[period], item["updated_at"] = key[2].isoformat(), stamp
        rows.append(item)
    return {"rows": json.dumps(rows, separators=(",", ":"))}


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: object) -> None:
    """A rolled-back transaction's deltas are never written."""
    session.info.pop(_PENDING, None)


async def count_registered_project(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """A registered project joins its district's and street office's ledger, with its planned
    investment, on its registration date (a backdated registration lands in its own period)."""
    p = event.payload
    day = effective_day(event.envelope.time, p.registered_on)
    delta = figure_delta(
        p.programme_code,
        p.district_code,
        day,
        {"registered_projects": 1, "registered_investment_fen": p.investment_fen},
    )
    await add_delta(session, delta, event.now)
    streets.remember_project_office(
        session, p.project_id, p.programme_code, p.district_code, p.street_office, p.name, day
    )
    await central_list.remember_members(session, p.project_id, [p.community_id, *p.grouped_community_ids])
    amounts = {"registered_projects": 1}
    streets.add_office_delta(
        session, p.programme_code, p.district_code, p.street_office, day, amounts, event.now
    )


async def revise_planned_investment(session: AsyncSession, event: ReceivedEvent[PlanApproved]) -> None:
    """An approved plan (实施方案, 投资计划) replaces the project's planned investment from its approval
    date: the district's planned total moves by the difference. An event written before it stated the
    investment it replaced changes nothing (it cannot be told from a first approval)."""
    p = event.payload
    if p.was_investment_fen is None or p.was_investment_fen == p.investment_fen:
        return
    change = p.investment_fen - p.was_investment_fen
    delta = figure_delta(
        p.programme_code, p.district_code, p.approved_on, {"registered_investment_fen": change}
    )
    await add_delta(session, delta, event.now)


async def count_accepted_project(session: AsyncSession, event: ReceivedEvent[ProjectAccepted]) -> None:
    """An accepted project counts from its acceptance date (工程验收), not from when we heard of it,
    and the households and floor area of what it renovated count as benefited from then."""
    p = event.payload
    day = effective_day(event.envelope.time, p.accepted_on)
    amounts = {"accepted_projects": 1, "accepted_investment_fen": p.investment_fen}
    if p.households is not None:  # events written before the acceptance stated what it benefits
        amounts["benefited_households"] = p.households
    if p.floor_area_m2 is not None:
        amounts["benefited_floor_area_dm2"] = area_dm2(p.floor_area_m2)
    delta = figure_delta(p.programme_code, p.district_code, day, amounts)
    await add_delta(session, delta, event.now)
    amounts = {"accepted_projects": 1}
    streets.add_project_delta(
        session, p.programme_code, p.district_code, p.project_id, day, amounts, event.now
    )


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
        if figure in STREET_FIGURES:
            streets.add_project_delta(
                session, p.programme_code, p.district_code, p.project_id, day, {figure: 1}, event.now
            )
        elif figure in STEP_DAYS:
            streets.note_step_day(session, p.project_id, STEP_DAYS[figure], day)

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
    """A weekly report flagged overdue counts against its district on the day it was due; a
    department's (no district) counts against none."""
    p = event.payload
    if p.district_code is None:
        return
    delta = figure_delta(p.programme_code, p.district_code, p.due_on, {"weekly_reports_overdue": 1})
    await add_delta(session, delta, event.now)


async def count_missed_deadline(session: AsyncSession, event: ReceivedEvent[StepDeadlineMissed]) -> None:
    """A step deadline a project missed counts against its district from the day after the due date
    (the first day it was overdue), so a rollup as of the due date itself does not count it."""
    p = event.payload
    delta = figure_delta(
        p.programme_code, p.district_code, p.due_on + timedelta(days=1), {"deadlines_missed": 1}
    )
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


async def _add_utility(
    session: AsyncSession, p: Any, utility_code: str, day: date, figure: str, now: datetime
) -> None:
    """One utility's pipeline-work figure for a day: one atomic upsert (`x = x + excluded.x`)."""
    table = UtilityDay.__table__  # type: ignore[attr-defined]
    statement = INSERTS[session.bind.dialect.name](table).values(  # type: ignore[union-attr]
        programme_code=p.programme_code,
        district_code=p.district_code,
        utility_code=utility_code,
        day=day,
        updated_at=now,
        **{figure: 1},
    )
    statement = statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={
            figure: table.c[figure] + statement.excluded[figure],
            "updated_at": statement.excluded.updated_at,
        },
    )
    await session.exec(statement)  # type: ignore[call-overload]


async def count_pipeline_assigned(session: AsyncSession, event: ReceivedEvent[PipelineWorkAssigned]) -> None:
    """Pipeline work assigned to a utility company, on the day the district assigned it."""
    p = event.payload
    await _add_utility(
        session, p, p.utility_code, effective_day(event.envelope.time), "works_assigned", event.now
    )


async def count_pipeline_started(session: AsyncSession, event: ReceivedEvent[PipelineWorkStarted]) -> None:
    """A utility company's pipeline work started on site, on its start date."""
    p = event.payload
    await _add_utility(session, p, p.utility_code, p.started_on, "works_started", event.now)


async def count_pipeline_completed(
    session: AsyncSession, event: ReceivedEvent[PipelineWorkCompleted]
) -> None:
    """A utility company's pipeline work finished, on its completion date."""
    p = event.payload
    await _add_utility(session, p, p.utility_code, p.completed_on, "works_completed", event.now)


async def count_pipeline_exemption(session: AsyncSession, event: ReceivedEvent[PipelineWorkExempted]) -> None:
    """The district let works complete despite open pipeline work: one exemption per company named."""
    p = event.payload
    for utility_code in sorted(set(p.utility_codes)):
        await _add_utility(session, p, utility_code, p.exempted_on, "exemptions", event.now)

"""The background sweep that announces each step deadline a project missed, once.

Once a deadline's date has passed (and it was not already past when the plan was issued), every
project it binds that has not met it is flagged in `missed_deadline` with one conditional INSERT
(`ON CONFLICT DO NOTHING RETURNING`) and announced with `StepDeadlineMissed` through the outbox in
the same transaction, so two registry replicas sweeping at once announce each miss once. The
overdue list (`GET /projects/overdue`) stays the live view; the event lets reporting count misses
per district and departments hear of them.

Platform reading: a project that met a deadline late before any sweep saw it overdue is not
announced (the sweep runs every few minutes, so only a step recorded within minutes of the
due date's end, or while the service was down, escapes it); its timeline still shows it met late.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.deadlines import passed_deadlines
from services.registry.handlers.deadlines import unmet
from services.registry.models.deadlines import MissedDeadline
from services.registry.models.projects import Project
from shared.bus.outbox import add_to_outbox
from shared.clock import shanghai_date
from shared.contracts.registry import StepDeadlineMissed
from shared.db.dialect_insert import insert_once
from shared.policy import ProgrammeProfile, bundled_profiles
from shared.web.runtime import Runtime
from shared.web.sweeps import sweep_every

__all__ = ["flag_missed_deadlines", "sweep_missed_deadlines"]

SWEEP_BATCH = 1_000
"""Most misses one deadline announces per pass; the next pass takes the rest (bounded transactions)."""


async def flag_missed_deadlines(
    session: AsyncSession, now: datetime, profiles: Mapping[str, ProgrammeProfile] | None = None
) -> list[StepDeadlineMissed]:
    """Flag and announce every (project, deadline) missed and not flagged before.

    Args:
        session: the unit of work (its commit publishes the events with the flags).
        now: the service clock's instant; today is its Asia/Shanghai date.
        profiles: the programmes to sweep (default: every bundled one).

    Returns:
        The events staged by this call.
    """
    today = shanghai_date(now)
    staged: list[StepDeadlineMissed] = []
    for code, profile in sorted((profiles or bundled_profiles()).items()):
        for step, deadline in passed_deadlines(profile, today):
            flagged = exists().where(
                and_(
                    col(MissedDeadline.project_id) == col(Project.id),
                    col(MissedDeadline.deadline_code) == deadline.code,
                )
            )
            query = select(col(Project.id), col(Project.community_id), col(Project.district_code)).where(
                ~flagged
            )
            query = unmet(query, code, profile, step, deadline).order_by(col(Project.id)).limit(SWEEP_BATCH)
            for project_id, community_id, district_code in (await session.exec(query)).all():
                row = MissedDeadline(
                    project_id=project_id,
                    deadline_code=deadline.code,
                    programme_code=code,
                    district_code=district_code,
                    due_on=deadline.due_on,
                    flagged_at=now,
                )
                if not await insert_once(session, row, ("project_id", "deadline_code")):
                    continue  # another replica flagged it first
                event = StepDeadlineMissed(
                    project_id=project_id,
                    community_id=community_id,
                    district_code=district_code,
                    programme_code=code,
                    deadline_code=deadline.code,
                    step=step.value,
                    due_on=deadline.due_on,
                    applies_to=deadline.applies_to.value,
                )
                add_to_outbox(session, event)
                staged.append(event)
    return staged


async def sweep_missed_deadlines(runtime: Runtime) -> None:
    """Every `deadline_sweep_interval_s`, announce the deadlines missed since the last pass."""
    interval = float(getattr(runtime.settings, "deadline_sweep_interval_s", 300.0))
    await sweep_every(runtime, interval, flag_missed_deadlines, "missed step deadlines")

"""What every step command shares: lock the project, check the step is allowed, record it.

A step command loads its project with a row lock (`with_for_update`: PostgreSQL locks the row,
SQLite holds the write lock from BEGIN IMMEDIATE), so of N identical concurrent commands one
succeeds, the others then see the new status and get 409, and one event is staged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.dates import check_step_date
from services.registry.domain.lifecycle import BY_NAME, Status, check_allowed, step_of
from services.registry.domain.programmes import programme
from services.registry.models.communities import Community
from services.registry.models.projects import Project, ProjectStep
from shared import audit
from shared.access import Principal, writes_district
from shared.bus.outbox import add_to_outbox
from shared.contracts.base import EventPayload
from shared.errors import NotFoundError
from shared.policy import ProgrammeProfile


async def lock_project(session: AsyncSession, actor: Principal, project_id: uuid.UUID) -> Project:
    """The project, locked for this transaction; 404 unless the caller writes its district."""
    project = await session.get(Project, project_id, with_for_update=True, populate_existing=True)
    if project is None or not writes_district(actor, project.district_code):
        raise NotFoundError(f"no project {project_id}")
    return project


def begin_step(
    project: Project, action: str, *, date_field: str, on: date, now: datetime
) -> ProgrammeProfile:
    """Check `action` is allowed now and dated plausibly; returns the project's profile.

    Raises:
        InvalidState: the programme has no such step, or not now (409, with the allowed actions).
        RuleViolation: the date is in the future, before the programme or before the last step.
    """
    profile = programme(project.programme_code)
    check_allowed(profile, project.status, action, audited=project.audited_on is not None)
    check_step_date(
        date_field, on, now=now, programme_issued_on=profile.issued_on, previous_on=project.last_step_on
    )
    return profile


@dataclass(frozen=True)
class ProjectSize:
    """What a project renovates, summed over its community and its contiguous group."""

    households: int
    floor_area_m2: Decimal


async def project_size(session: AsyncSession, project: Project) -> ProjectSize:
    """The households and floor area of every community the project renovates (one query).

    Args:
        session: the unit of work.
        project: the project (its `community_id` and `grouped_community_ids`).

    Returns:
        The sums; a community missing from the ledger adds nothing.
    """
    ids = [project.community_id, *(uuid.UUID(str(c)) for c in project.grouped_community_ids)]
    query = select(col(Community.households), col(Community.floor_area_m2)).where(col(Community.id).in_(ids))
    rows = (await session.exec(query)).all()
    # summed here, in Decimal: SQLite would sum the NUMERIC column as a float
    return ProjectSize(sum(h for h, _ in rows), sum((Decimal(a) for _, a in rows), Decimal(0)))


def event_fields(project: Project) -> dict[str, Any]:
    """The fields every project event carries."""
    return {
        "project_id": project.id,
        "community_id": project.community_id,
        "district_code": project.district_code,
        "programme_code": project.programme_code,
    }


def record_step(
    session: AsyncSession,
    actor: Principal,
    project: Project,
    action: str,
    *,
    on: date,
    now: datetime,
    event: EventPayload,
    data: dict[str, Any],
    leads_to: Status | None = None,
) -> None:
    """Move the project on (if the action does), append its timeline row, stage its event and audit it.

    Args:
        leads_to: overrides the action's own next status (None: the action's, or no move).
    """
    profile = programme(project.programme_code)
    before = {"step": project.step, "status": project.status}
    target = (leads_to or BY_NAME[action].leads_to) if action in BY_NAME else leads_to
    if target is not None:
        project.status = target.value
        project.step = step_of(profile, target)
    project.last_step_on = max(on, project.last_step_on) if project.last_step_on else on
    project.updated_at = now
    session.add(project)
    session.add(
        ProjectStep(
            project_id=project.id,
            action=action,
            step=project.step,
            status=project.status,
            occurred_on=on,
            data=data,
            actor_org=actor.org_code,
            recorded_at=now,
        )
    )
    add_to_outbox(session, event)
    audit.record(
        session,
        actor,
        f"project.{_event_name(event)}",
        "project",
        project.id,
        before=before,
        after={"action": action, "step": project.step, "status": project.status, **data},
    )


def _event_name(event: EventPayload) -> str:
    """`registry.project.plan_submitted.v1` → `plan_submitted`."""
    return event.TYPE.split(".")[2]

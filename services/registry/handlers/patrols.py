"""Recording daily safety patrols (SafetyPatrolRecorded) and reading what is recorded and missing."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.lifecycle import allowed_actions
from services.registry.domain.patrols import (
    COMPLETION_ACTION,
    START_ACTION,
    ConstructionPeriod,
    check_patrol_date,
    check_patroller,
    construction_period,
    patrol_gaps,
    patrol_rule,
)
from services.registry.domain.programmes import programme
from services.registry.handlers.lifecycle import event_fields, lock_project
from services.registry.models.patrols import (
    MissingPatrol,
    PatrolLog,
    PatrolPublic,
    PatrolRecord,
    SafetyPatrol,
)
from services.registry.models.projects import Project, ProjectStep
from shared import audit
from shared.access import Principal, sees_district, visible_district
from shared.bus.outbox import add_to_outbox
from shared.clock import shanghai_date
from shared.contracts.registry import SafetyPatrolRecorded
from shared.errors import Conflict, FieldProblem, InvalidState, NotFoundError, RuleViolation
from shared.policy import bundled_profiles


async def _period(session: AsyncSession, project_id: uuid.UUID) -> ConstructionPeriod:
    query = (
        select(col(ProjectStep.action), col(ProjectStep.occurred_on))
        .where(ProjectStep.project_id == project_id)
        .where(col(ProjectStep.action).in_([START_ACTION, COMPLETION_ACTION]))
        .order_by(col(ProjectStep.id))
    )
    return construction_period((await session.exec(query)).all())


async def record_patrol(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: PatrolRecord, now: datetime
) -> PatrolPublic:
    """Record one day's patrol of a site under construction; announces SafetyPatrolRecorded.

    Raises:
        NotFound: no such project in the caller's district.
        Forbidden: the caller is not the party the plan puts in charge of patrols.
        Conflict: the programme keeps no patrols, or the day already has one (409).
        InvalidState: works have not started.
        RuleViolation: the date is in the future or outside construction.
    """
    project = await lock_project(session, actor, project_id)
    profile = programme(project.programme_code)
    rule = patrol_rule(profile)
    check_patroller(profile, rule, actor.org_kind.value)
    period = await _period(session, project.id)
    if period.started_on is None:
        allowed = allowed_actions(profile, project.status, audited=project.audited_on is not None)
        raise InvalidState(
            f"a project at step '{project.step}' ({project.status}) has no works to patrol yet",
            current=project.step,
            allowed=allowed,
            errors=[FieldProblem("patrolled_on", "patrol_during_construction", "works have not started")],
        )
    check_patrol_date(body.patrolled_on, period, shanghai_date(now))
    taken = await session.exec(
        select(SafetyPatrol.id).where(
            SafetyPatrol.project_id == project.id, SafetyPatrol.patrolled_on == body.patrolled_on
        )
    )
    if taken.first() is not None:
        raise Conflict(
            f"the patrol of {body.patrolled_on} is already recorded for this project",
            [FieldProblem("patrolled_on", "one_patrol_per_day", f"{body.patrolled_on} has its patrol")],
        )
    patrol = SafetyPatrol(
        project_id=project.id,
        district_code=project.district_code,
        programme_code=project.programme_code,
        patrolled_on=body.patrolled_on,
        findings=body.findings,
        hazards=list(body.hazards),
        contractor_notified=body.contractor_notified,
        note=body.note,
        actor_org=actor.org_code,
        recorded_at=now,
    )
    session.add(patrol)
    add_to_outbox(
        session,
        SafetyPatrolRecorded(
            **event_fields(project),
            patrolled_on=body.patrolled_on,
            findings=body.findings,
            hazards=list(body.hazards),
            contractor_notified=body.contractor_notified,
            note=body.note,
        ),
    )
    audit.record(
        session,
        actor,
        "project.safety_patrol_recorded",
        "project",
        project.id,
        after=body.model_dump(mode="json"),
    )
    return PatrolPublic.model_validate(patrol, from_attributes=True)


async def patrol_log(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, now: datetime
) -> PatrolLog:
    """A project's patrols, oldest first, and the construction days without one."""
    project = await session.get(Project, project_id)
    if project is None or not sees_district(actor, project.district_code):
        raise NotFoundError(f"no project {project_id}")
    patrol_rule(programme(project.programme_code))
    period = await _period(session, project.id)
    rows = (
        await session.exec(
            select(SafetyPatrol)
            .where(SafetyPatrol.project_id == project.id)
            .order_by(col(SafetyPatrol.patrolled_on))
        )
    ).all()
    gaps = patrol_gaps(period, [r.patrolled_on for r in rows], shanghai_date(now))
    return PatrolLog(
        project_id=project.id,
        construction_started_on=period.started_on,
        construction_completed_on=period.completed_on,
        through=gaps.through,
        patrols=[PatrolPublic.model_validate(r, from_attributes=True) for r in rows],
        missing_days=gaps.missing_days,
        due_today=gaps.due_today,
    )


def _patrolling_programmes() -> list[str]:
    return sorted(code for code, p in bundled_profiles().items() if p.supervision.daily_patrol is not None)


async def missing_on(
    session: AsyncSession,
    actor: Principal,
    day: date,
    now: datetime,
    *,
    programme_code: str | None,
    district_code: str | None,
    limit: int,
    offset: int,
) -> tuple[list[MissingPatrol], int]:
    """Sites under construction on `day` (in programmes that patrol) with no patrol that day; total.

    Raises:
        RuleViolation: `day` is in the future (Asia/Shanghai).
    """
    today = shanghai_date(now)
    if day > today:
        raise RuleViolation(
            f"date {day} is in the future (today is {today} in Asia/Shanghai)",
            [FieldProblem("date", "not_in_future", f"give a date on or before {today}")],
        )
    programmes = _patrolling_programmes()
    if programme_code is not None:
        programmes = [code for code in programmes if code == programme_code]
    start = aliased(ProjectStep)
    completed_before = select(col(ProjectStep.project_id)).where(
        ProjectStep.action == COMPLETION_ACTION, col(ProjectStep.occurred_on) < day
    )
    patrolled = select(col(SafetyPatrol.project_id)).where(SafetyPatrol.patrolled_on == day)
    query = (
        select(  # type: ignore[call-overload]
            col(Project.id),
            col(Project.name),
            col(Project.district_code),
            col(Project.street_office),
            col(Project.programme_code),
            col(start.occurred_on).label("started_on"),
        )
        .join(start, col(start.project_id) == col(Project.id))
        .where(col(start.action) == START_ACTION, col(start.occurred_on) <= day)
        .where(col(Project.programme_code).in_(programmes))
        .where(col(Project.id).not_in(completed_before), col(Project.id).not_in(patrolled))
    )
    if (own := visible_district(actor)) is not None:
        query = query.where(Project.district_code == own)
    if district_code is not None:
        query = query.where(Project.district_code == district_code)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    ordered = query.order_by(col(Project.created_at), col(Project.id)).limit(limit).offset(offset)
    rows = (await session.exec(ordered)).all()  # type: ignore[call-overload]
    page = [
        MissingPatrol(
            project_id=row.id,
            name=row.name,
            district_code=row.district_code,
            street_office=row.street_office,
            programme_code=row.programme_code,
            construction_started_on=row.started_on,
        )
        for row in rows
    ]
    return page, int(total)

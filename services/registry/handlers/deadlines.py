"""Reading step deadlines: a project's, and the overdue steps across the projects a caller sees."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.deadlines import (
    Entry,
    met_statuses,
    passed_deadlines,
    scopes_of,
    track,
)
from services.registry.domain.lifecycle import Status, step_of
from services.registry.domain.programmes import programme
from services.registry.models.areas import DemonstrationAreaCommunity
from services.registry.models.communities import Community
from services.registry.models.deadlines import DeadlinePublic, OverdueStep
from services.registry.models.projects import Project, ProjectStep
from shared.access import Principal, sees_district, visible_district
from shared.clock import shanghai_date
from shared.errors import NotFoundError
from shared.policy import ProgrammeProfile, StageCode, bundled_profiles
from shared.policy.models.lifecycle import Deadline, DeadlineScope


def _clause(profile: ProgrammeProfile, clause: str) -> str:
    return f"{profile.document_number} {clause}"


async def project_deadlines(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, now: datetime
) -> list[DeadlinePublic]:
    """Every deadline binding the project, earliest first, with its standing today."""
    project = await session.get(Project, project_id)
    if project is None or not sees_district(actor, project.district_code):
        raise NotFoundError(f"no project {project_id}")
    profile = programme(project.programme_code)
    community = await session.get(Community, project.community_id)
    in_area = await session.get(DemonstrationAreaCommunity, project.community_id) is not None
    scopes = scopes_of(
        demonstration=bool(community and community.demonstration),
        centrally_funded=bool(community and community.centrally_funded),
        in_area=in_area,
    )
    rows = (
        await session.exec(
            select(col(ProjectStep.step), col(ProjectStep.status), col(ProjectStep.occurred_on))
            .where(ProjectStep.project_id == project.id)
            .order_by(col(ProjectStep.id))
        )
    ).all()
    opened: Entry = (step_of(profile, Status.OPENED), Status.OPENED.value, shanghai_date(project.created_at))
    tracked = track(profile, scopes, [opened, *rows], shanghai_date(now))
    return [
        DeadlinePublic(
            code=t.deadline.code,
            step=t.step.value,
            description_zh=t.deadline.description_zh,
            description_en=t.deadline.description_en,
            clause=_clause(profile, t.deadline.clause),
            due_on=t.deadline.due_on,
            starts_on=t.deadline.starts_on,
            applies_to=t.deadline.applies_to.value,
            met_when=t.deadline.met_when.value,
            status=t.standing.value,
            met_on=t.met_on,
            days_overdue=t.days_overdue,
        )
        for t in tracked
    ]


def unmet(query: Any, code: str, profile: ProgrammeProfile, step: StageCode, deadline: Deadline) -> Any:
    """Narrow a query over projects to those of programme `code` that `deadline` binds and that
    have not met it (their status is short of what meets it).

    Args:
        query: a select over `Project`.
        code: the programme.
        profile: its profile.
        step: the step the deadline sits on.
        deadline: the deadline.

    Returns:
        The narrowed query.
    """
    query = query.where(
        Project.programme_code == code,
        col(Project.status).not_in(sorted(met_statuses(profile, step.value, deadline.met_when))),
    )
    if deadline.applies_to is DeadlineScope.DEMONSTRATION:
        query = query.join(Community, col(Community.id) == col(Project.community_id)).where(
            col(Community.demonstration).is_(True)
        )
    elif deadline.applies_to is DeadlineScope.CENTRALLY_FUNDED:
        query = query.join(Community, col(Community.id) == col(Project.community_id)).where(
            col(Community.centrally_funded).is_(True)
        )
    elif deadline.applies_to is DeadlineScope.DEMONSTRATION_AREA:
        members = select(DemonstrationAreaCommunity.community_id)
        query = query.where(col(Project.community_id).in_(members))
    return query


def overdue_project_ids(now: datetime, programme_code: str | None = None) -> Any | None:
    """A query of the ids of projects with at least one overdue step (the projects
    `overdue_steps` lists), for filtering other lists; None when no deadline has passed.

    Args:
        now: the service clock's instant (today is its Asia/Shanghai date).
        programme_code: only this programme's deadlines (None: every programme's).
    """
    today = shanghai_date(now)
    parts = [
        unmet(select(col(Project.id).label("id")), code, profile, step, deadline)
        for code, profile in sorted(bundled_profiles().items())
        if programme_code is None or code == programme_code
        for step, deadline in passed_deadlines(profile, today)
    ]
    return union_all(*parts) if parts else None


async def overdue_steps(
    session: AsyncSession,
    actor: Principal,
    now: datetime,
    *,
    programme_code: str | None,
    district_code: str | None,
    limit: int,
    offset: int,
) -> tuple[list[OverdueStep], int]:
    """Each (project, deadline) the project has not met though its date has passed; and the total.

    Ordered by due date, then the project's age and id, then the deadline's code (stable paging).
    """
    today = shanghai_date(now)
    deadlines: dict[tuple[str, str], tuple[ProgrammeProfile, StageCode, Deadline]] = {}
    parts = []
    for code, profile in sorted(bundled_profiles().items()):
        if programme_code is not None and code != programme_code:
            continue
        for step, deadline in passed_deadlines(profile, today):
            deadlines[(code, deadline.code)] = (profile, step, deadline)
            query = select(  # type: ignore[call-overload]
                col(Project.id).label("id"),
                col(Project.name).label("name"),
                col(Project.district_code).label("district_code"),
                col(Project.street_office).label("street_office"),
                col(Project.programme_code).label("programme_code"),
                col(Project.step).label("step"),
                col(Project.status).label("status"),
                col(Project.created_at).label("created_at"),
                literal(deadline.code).label("deadline_code"),
                literal(deadline.due_on.isoformat()).label("due_on"),
            )
            query = unmet(query, code, profile, step, deadline)
            if (own := visible_district(actor)) is not None:
                query = query.where(Project.district_code == own)
            if district_code is not None:
                query = query.where(Project.district_code == district_code)
            parts.append(query)
    if not parts:
        return [], 0
    rows = union_all(*parts).subquery()
    total = (await session.exec(select(func.count()).select_from(rows))).one()  # type: ignore[call-overload]
    ordered = (
        select(*rows.c)
        .order_by(rows.c.due_on, rows.c.created_at, rows.c.id, rows.c.deadline_code)
        .limit(limit)
        .offset(offset)
    )
    page = []
    for row in (await session.exec(ordered)).all():  # type: ignore[call-overload]
        profile, step, deadline = deadlines[(row.programme_code, row.deadline_code)]
        page.append(
            OverdueStep(
                project_id=row.id,
                name=row.name,
                district_code=row.district_code,
                street_office=row.street_office,
                programme_code=row.programme_code,
                project_step=row.step,
                project_status=row.status,
                deadline_code=deadline.code,
                deadline_step=step.value,
                description_zh=deadline.description_zh,
                description_en=deadline.description_en,
                clause=_clause(profile, deadline.clause),
                due_on=deadline.due_on,
                days_overdue=(today - deadline.due_on).days,
            )
        )
    return page, int(total)

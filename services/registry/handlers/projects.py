"""Opening a project for an eligible community, and reading projects and their timelines."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.registry.domain.dates import check_registered_on
from services.registry.domain.lifecycle import Status, allowed_actions, step_of
from services.registry.domain.pipeline import WorkStatus, actions_while_work_open
from services.registry.domain.programmes import programme
from services.registry.handlers.deadlines import overdue_project_ids
from services.registry.handlers.lifecycle import event_fields
from services.registry.models.bounds import text_filter
from services.registry.models.communities import Community
from services.registry.models.pipeline import PipelineWork
from services.registry.models.projects import (
    Project,
    ProjectCommunity,
    ProjectCreate,
    ProjectPublic,
    ProjectStep,
    StepPublic,
)
from shared import audit
from shared.access import Principal, sees_district, visible_district, writes_district
from shared.bus.outbox import add_to_outbox
from shared.clock import shanghai_date
from shared.contracts.registry import ProjectRegistered
from shared.db.returned_columns import fields_of, returned_columns
from shared.errors import FieldProblem, Forbidden, NotFoundError, RuleViolation

PUBLIC_COLUMNS = returned_columns(Project.__table__, ProjectPublic)  # type: ignore[attr-defined]
"""What a project read selects: the columns `ProjectPublic` returns (not the plan's items, not the
consultation counts)."""
_BY_ID = select(*PUBLIC_COLUMNS).where(Project.__table__.c.id == bindparam("project_id"))  # type: ignore[attr-defined]
"""Built once: composing the statement cost more CPU than SQLite's lookup it asks for."""


def present(project: Project | RowMapping, *, open_work: bool = False) -> ProjectPublic:
    """The project as the API shows it, with the actions its programme allows now.

    Args:
        project: a loaded project (command paths) or a row of `PUBLIC_COLUMNS` (read paths).
        open_work: whether pipeline work assigned in it is open and not exempted; construction
            completion is then not offered (its command would refuse it), the exemption is.
    """
    fields = _fields(project)
    profile = programme(fields["programme_code"])
    allowed = allowed_actions(profile, fields["status"], audited=fields["audited_on"] is not None)
    if open_work:
        allowed = actions_while_work_open(allowed)
    return ProjectPublic.model_validate({**fields, "allowed_actions": allowed})


def _open_work_query(projects: Sequence[Project | RowMapping]) -> SelectOfScalar[uuid.UUID] | None:
    """Which of `projects` may be held up by open pipeline work (None: none can be). Only those
    whose status lets construction complete are asked about."""
    asked = [p["id"] for p in map(_fields, projects) if p["status"] == Status.CONSTRUCTION_STARTED.value]
    if not asked:
        return None
    return select(PipelineWork.project_id).where(
        col(PipelineWork.project_id).in_(asked),
        PipelineWork.status != WorkStatus.COMPLETED.value,
        col(PipelineWork.exemption_id).is_(None),
    )


async def _with_open_work(session: AsyncSession, projects: Sequence[Project | RowMapping]) -> set[uuid.UUID]:
    """`_open_work_query`'s answer, through the command's session (which flushes its pending
    changes first)."""
    query = _open_work_query(projects)
    return set() if query is None else set((await session.exec(query)).all())


def _fields(project: Project | RowMapping) -> Mapping[Any, Any]:
    return project if isinstance(project, RowMapping) else fields_of(project, PUBLIC_COLUMNS)


async def present_current(session: AsyncSession, project: Project | RowMapping) -> ProjectPublic:
    """`present`, reading whether open pipeline work holds up construction completion.

    Args:
        session: the command's session.
        project: as `present` takes it.
    """
    return present(project, open_work=_fields(project)["id"] in await _with_open_work(session, [project]))


async def register_project(
    session: AsyncSession, actor: Principal, command: ProjectCreate, now: datetime
) -> ProjectPublic:
    """Open a project at its programme's first step; announces ProjectRegistered."""
    community = await session.get(Community, command.community_id)
    if community is None or not sees_district(actor, community.district_code):
        raise RuleViolation(
            "the community does not exist",
            [FieldProblem("community_id", "exists", "no community with this id")],
        )
    if not writes_district(actor, community.district_code):
        raise Forbidden("a district opens projects in its own district only")
    if not community.eligible:
        failed = "; ".join(
            f"{r['message']} ({r['clause']})" for r in community.eligibility if not r["passed"]
        )
        raise RuleViolation(
            "only an eligible community can open a project",
            [FieldProblem("community_id", "eligible_community", failed or "the community is not eligible")],
        )
    profile = programme(community.programme_code)
    registered_on = command.registered_on or shanghai_date(now)
    check_registered_on(registered_on, now=now, programme_year=profile.year)
    grouped = await _grouped_communities(session, community, command.grouped_community_ids)
    project = Project(
        name=command.name,
        investment_fen=command.investment_fen,
        community_id=community.id,
        grouped_community_ids=[str(c) for c in grouped],
        district_code=community.district_code,
        street_office=community.street_office,
        programme_code=community.programme_code,
        step=step_of(profile, Status.OPENED),
        status=Status.OPENED.value,
        registered_on=registered_on,
        created_at=now,
        updated_at=now,
    )
    session.add(project)
    session.add_all(ProjectCommunity(project_id=project.id, community_id=c) for c in grouped)
    add_to_outbox(
        session,
        ProjectRegistered(
            **event_fields(project),
            name=project.name,
            investment_fen=project.investment_fen,
            registered_on=registered_on,
            street_office=project.street_office,
            grouped_community_ids=grouped,
        ),
    )
    audit.record(
        session, actor, "project.registered", "project", project.id, after=command.model_dump(mode="json")
    )
    return present(project)


async def _grouped_communities(
    session: AsyncSession, lead: Community, asked: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """The further communities of a contiguous group (集中连片, Kaifeng 二(三)), checked: each exists in
    the lead community's district, is in its programme, is eligible, and is listed once (and not as
    the lead).

    Raises:
        RuleViolation: naming `grouped_community_ids.<i>` and the rule for each one refused.
    """
    if not asked:
        return []
    rows = (await session.exec(select(Community).where(col(Community.id).in_(asked)))).all()
    found = {c.id: c for c in rows}
    problems = []
    seen: set[uuid.UUID] = {lead.id}
    for i, community_id in enumerate(asked):
        field = f"grouped_community_ids.{i}"
        member = found.get(community_id)
        if community_id in seen:
            problems.append(
                FieldProblem(field, "unique", "a community is in the group once (the lead included)")
            )
        elif member is None or member.district_code != lead.district_code:
            # another district's community is not one this district can see: it does not exist here
            problems.append(
                FieldProblem(field, "exists", f"no community with this id in {lead.district_code}")
            )
        elif member.programme_code != lead.programme_code:
            problems.append(FieldProblem(field, "same_programme", f"a community of {lead.programme_code}"))
        elif not member.eligible:
            problems.append(FieldProblem(field, "eligible_community", "the community is not eligible"))
        seen.add(community_id)
    if problems:
        raise RuleViolation("the contiguous group's communities cannot be renovated together", problems)
    return list(asked)


async def _visible(session: AsyncSession, actor: Principal, project_id: uuid.UUID) -> Project:
    project = await session.get(Project, project_id)
    if project is None or not sees_district(actor, project.district_code):
        raise NotFoundError(f"no project {project_id}")
    return project


def get_project(connection: Connection, actor: Principal, project_id: uuid.UUID) -> ProjectPublic:
    """One project the caller may see (404 otherwise): one SELECT of the columns it returns (and
    one for open pipeline work while construction may complete), on a read connection (no ORM
    session: nothing is loaded into an identity map). Synchronous: it runs inside
    `shared.web.reads.Read.run`'s greenlet."""
    row = connection.execute(_BY_ID, {"project_id": project_id}).mappings().first()
    if row is None or not sees_district(actor, row["district_code"]):
        raise NotFoundError(f"no project {project_id}")
    query = _open_work_query([row])
    held_up = set() if query is None else set(connection.execute(query).scalars())
    return present(row, open_work=row["id"] in held_up)


async def timeline(session: AsyncSession, actor: Principal, project_id: uuid.UUID) -> list[StepPublic]:
    """Every step the project took, oldest first (revisions included)."""
    await _visible(session, actor, project_id)
    query = select(ProjectStep).where(ProjectStep.project_id == project_id).order_by(col(ProjectStep.id))
    return [StepPublic.model_validate(row, from_attributes=True) for row in (await session.exec(query)).all()]


async def list_projects(
    session: AsyncSession,
    actor: Principal,
    *,
    programme_code: str | None,
    district_code: str | None,
    street_office: str | None,
    step: str | None,
    status: str | None,
    limit: int,
    offset: int,
    tier: str | None = None,
    demonstration: bool | None = None,
    centrally_funded: bool | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
) -> tuple[list[ProjectPublic], int]:
    """The projects the caller may see, filtered, oldest first (id breaks ties); and their total.

    Args:
        tier: the community's library tier; demonstration, centrally_funded: its flags
            (None: any).
        overdue: True for projects with a step past its deadline (as GET /deadlines/overdue
            lists them), False for the others, None for all; needs `now`.
    """
    matchable, street_office = text_filter(street_office)
    if not matchable:
        return [], 0
    query = select(*PUBLIC_COLUMNS)
    by_community = [
        (Community.tier, tier),
        (Community.demonstration, demonstration),
        (Community.centrally_funded, centrally_funded),
    ]
    if any(value is not None for _, value in by_community):
        query = query.join(Community, col(Community.id) == col(Project.community_id))
        for column, value in by_community:
            if value is not None:
                query = query.where(column == value)
    if overdue is not None:
        if now is None:
            raise ValueError("the overdue filter needs now")
        late = overdue_project_ids(now, programme_code)
        if late is None:
            if overdue:
                return [], 0
        else:
            ids = select(late.subquery().c.id)
            query = query.where(col(Project.id).in_(ids) if overdue else col(Project.id).not_in(ids))
    if (own := visible_district(actor)) is not None:
        query = query.where(Project.district_code == own)
    filters = [
        (Project.programme_code, programme_code),
        (Project.district_code, district_code),
        (Project.street_office, street_office),
        (Project.step, step),
        (Project.status, status),
    ]
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = query.order_by(col(Project.created_at), col(Project.id)).limit(limit).offset(offset)
    rows = (await session.exec(page)).mappings().all()
    held_up = await _with_open_work(session, rows)
    return [present(p, open_work=p["id"] in held_up) for p in rows], int(total)

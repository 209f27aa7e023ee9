"""Registry commands and queries: each command writes its state change, its events and its audit
entry in one transaction.

The registry consumes no events yet; `SUBSCRIPTIONS` is its (empty) subscription table.
Commands never commit: the caller's unit of work does.
"""

from __future__ import annotations

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain import Stage, check_transition
from services.registry.models import (
    Community,
    CommunityCreate,
    Project,
    ProjectCreate,
    StageTransition,
)
from services.registry.programmes import check_eligibility, needs_audited_investment
from shared import audit
from shared.access import Principal, sees_district, visible_district, writes_district
from shared.bus.outbox import add_to_outbox
from shared.bus.subscriptions import Subscriptions
from shared.clock import utcnow
from shared.contracts.registry import ProjectAccepted, ProjectRegistered
from shared.errors import FieldProblem, Forbidden, NotFoundError, RuleViolation


async def register_community(session: AsyncSession, actor: Principal, command: CommunityCreate) -> Community:
    """Enter a surveyed community into the ledger (台账) of the caller's own district."""
    if not writes_district(actor, command.district_code):
        raise Forbidden("a district registers communities in its own district only")
    check_eligibility(command.programme_code, command.district_code, command.built_year, command.exclusions)
    community = Community.model_validate(command, update={"created_at": utcnow()})
    session.add(community)
    audit.record(
        session,
        actor,
        "community.registered",
        "community",
        community.id,
        after=command.model_dump(mode="json"),
    )
    return community


async def register_project(session: AsyncSession, actor: Principal, command: ProjectCreate) -> Project:
    """Open a renovation project for a community, at the survey stage; announces ProjectRegistered."""
    community = await session.get(Community, command.community_id)
    if community is None or not sees_district(actor, community.district_code):
        raise RuleViolation(
            "the community does not exist",
            [FieldProblem("community_id", "exists", "no community with this id")],
        )
    if not writes_district(actor, community.district_code):
        raise Forbidden("a district opens projects in its own district only")
    now = utcnow()
    project = Project(
        name=command.name,
        investment_fen=command.investment_fen,
        community_id=community.id,
        district_code=community.district_code,
        programme_code=community.programme_code,
        stage=Stage.SURVEYED,
        created_at=now,
        updated_at=now,
    )
    session.add(project)
    add_to_outbox(
        session,
        ProjectRegistered(
            project_id=project.id,
            community_id=community.id,
            district_code=project.district_code,
            programme_code=project.programme_code,
            name=project.name,
            investment_fen=project.investment_fen,
        ),
    )
    audit.record(
        session,
        actor,
        "project.registered",
        "project",
        project.id,
        after=command.model_dump(mode="json"),
    )
    return project


async def advance_project(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, command: StageTransition
) -> Project:
    """Move a project one stage on; acceptance announces ProjectAccepted."""
    project = await session.get(Project, project_id)
    if project is None or not writes_district(actor, project.district_code):
        raise NotFoundError(f"no project {project_id}")
    before = Stage(project.stage)
    check_transition(before, command.to_stage, command.effective_on)
    project.stage = command.to_stage
    project.updated_at = utcnow()
    if command.to_stage == Stage.ACCEPTED:
        assert command.effective_on is not None  # check_transition guarantees it
        if command.audited_investment_fen is None and needs_audited_investment(project.programme_code):
            raise RuleViolation(
                f"{project.programme_code} pays its award on the audited investment",
                [
                    FieldProblem(
                        "audited_investment_fen",
                        "required_by_programme",
                        "give the final-accounts audited investment",
                    )
                ],
            )
        project.accepted_on = command.effective_on
        project.audited_investment_fen = command.audited_investment_fen
        add_to_outbox(
            session,
            ProjectAccepted(
                project_id=project.id,
                community_id=project.community_id,
                district_code=project.district_code,
                programme_code=project.programme_code,
                investment_fen=project.investment_fen,
                audited_investment_fen=command.audited_investment_fen,
                accepted_on=command.effective_on,
            ),
        )
    session.add(project)
    audit.record(
        session,
        actor,
        "project.stage_advanced",
        "project",
        project.id,
        before={"stage": before},
        after=command.model_dump(mode="json"),
    )
    return project


async def get_project(session: AsyncSession, actor: Principal, project_id: uuid.UUID) -> Project:
    project = await session.get(Project, project_id)
    if project is None or not sees_district(actor, project.district_code):
        raise NotFoundError(f"no project {project_id}")
    return project


async def list_projects(
    session: AsyncSession, actor: Principal, stage_filter: Stage | None, limit: int, offset: int
) -> list[Project]:
    query = select(Project).order_by(col(Project.created_at)).limit(limit).offset(offset)
    if (district := visible_district(actor)) is not None:
        query = query.where(Project.district_code == district)
    if stage_filter is not None:
        query = query.where(Project.stage == stage_filter)
    return list((await session.exec(query)).all())


async def get_community(session: AsyncSession, actor: Principal, community_id: uuid.UUID) -> Community:
    community = await session.get(Community, community_id)
    if community is None or not sees_district(actor, community.district_code):
        raise NotFoundError(f"no community {community_id}")
    return community


SUBSCRIPTIONS = Subscriptions({})

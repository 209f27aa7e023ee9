"""Registry commands: each writes its state change and its events in one transaction.

The registry consumes no events yet; `EVENT_HANDLERS` is its (empty) subscription table.
"""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain import Stage, check_transition
from services.registry.models import (
    Community,
    CommunityCreate,
    Project,
    ProjectCreate,
    StageTransition,
)
from shared.bus.consumer import Handler
from shared.bus.outbox import stage
from shared.clock import utcnow
from shared.contracts.registry import ProjectAccepted, ProjectRegistered
from shared.errors import FieldProblem, NotFoundError, RuleViolation


async def register_community(session: AsyncSession, command: CommunityCreate) -> Community:
    """Enter a surveyed community into the ledger (台账)."""
    community = Community.model_validate(command, update={"created_at": utcnow()})
    session.add(community)
    await session.commit()
    return community


async def register_project(session: AsyncSession, command: ProjectCreate) -> Project:
    """Open a renovation project for a community, at the survey stage; announces ProjectRegistered."""
    community = await session.get(Community, command.community_id)
    if community is None:
        raise RuleViolation(
            "the community does not exist",
            [FieldProblem("community_id", "exists", "no community with this id")],
        )
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
    stage(
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
    await session.commit()
    return project


async def advance_project(
    session: AsyncSession, project_id: uuid.UUID, command: StageTransition
) -> Project:
    """Move a project one stage on; acceptance announces ProjectAccepted."""
    project = await get_project(session, project_id)
    check_transition(Stage(project.stage), command.to_stage, command.effective_on)
    project.stage = command.to_stage
    project.updated_at = utcnow()
    if command.to_stage == Stage.ACCEPTED:
        assert command.effective_on is not None  # check_transition guarantees it
        project.accepted_on = command.effective_on
        stage(
            session,
            ProjectAccepted(
                project_id=project.id,
                community_id=project.community_id,
                district_code=project.district_code,
                programme_code=project.programme_code,
                investment_fen=project.investment_fen,
                accepted_on=command.effective_on,
            ),
        )
    session.add(project)
    await session.commit()
    return project


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project:
    project = await session.get(Project, project_id)
    if project is None:
        raise NotFoundError(f"no project {project_id}")
    return project


async def get_community(session: AsyncSession, community_id: uuid.UUID) -> Community:
    community = await session.get(Community, community_id)
    if community is None:
        raise NotFoundError(f"no community {community_id}")
    return community


EVENT_HANDLERS: dict[str, Handler] = {}

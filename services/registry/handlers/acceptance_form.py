"""Printing a project's completion acceptance form (工程竣工验收单) from the ledger."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.acceptance_form import (
    ACCEPTANCE_ACTIONS,
    FormFacts,
    has_acceptance_record,
    render,
)
from services.registry.domain.lifecycle import allowed_actions
from services.registry.domain.patrols import COMPLETION_ACTION, START_ACTION
from services.registry.domain.programmes import programme
from services.registry.handlers.acceptance import plan_item_codes, planned_investment
from services.registry.models.communities import Community
from services.registry.models.projects import Project, ProjectStep
from shared.access import Principal, sees_district
from shared.errors import FieldProblem, InvalidState, NotFoundError


async def acceptance_form_pdf(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, now: datetime
) -> tuple[str, bytes]:
    """The form of a project that has been inspected, as (file name, PDF bytes).

    Raises:
        NotFound: no such project for the caller (another district's is not found either).
        InvalidState: no acceptance or failed inspection is recorded yet (409).
    """
    project = await session.get(Project, project_id)
    if project is None or not sees_district(actor, project.district_code):
        raise NotFoundError(f"no project {project_id}")
    profile = programme(project.programme_code)
    rows = (
        await session.exec(
            select(col(ProjectStep.action), col(ProjectStep.occurred_on), col(ProjectStep.data))
            .where(ProjectStep.project_id == project.id)
            .where(col(ProjectStep.action).in_([START_ACTION, COMPLETION_ACTION, *ACCEPTANCE_ACTIONS]))
            .order_by(col(ProjectStep.id))
        )
    ).all()
    steps = [(action, on, data) for action, on, data in rows if action in ACCEPTANCE_ACTIONS]
    if not has_acceptance_record(steps):
        allowed = allowed_actions(profile, project.status, audited=project.audited_on is not None)
        raise InvalidState(
            f"a project at step '{project.step}' ({project.status}) has no acceptance form yet",
            current=project.step,
            allowed=allowed,
            errors=[FieldProblem("project_id", "acceptance_recorded", "record the acceptance first")],
        )
    dates = {action: on for action, on, _ in reversed(rows)}
    community = await session.get(Community, project.community_id)
    facts = FormFacts(
        project_id=str(project.id),
        project_name=project.name,
        community_name=community.name if community else "—",
        address=community.address if community else None,
        district_code=project.district_code,
        street_office=project.street_office,
        started_on=dates.get(START_ACTION),
        completed_on=dates.get(COMPLETION_ACTION),
        planned_investment_fen=planned_investment(project),
        steps=steps,
        plan_items=plan_item_codes(project),
    )
    return f"acceptance-form-{project.id}.pdf", render(profile, facts, now)

"""Submitting and approving the plan; each submission is a new version (PlanSubmitted, PlanApproved)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.consultation import check_threshold_met, consultation_threshold
from services.registry.domain.planning import check_items
from services.registry.handlers.lifecycle import begin_step, event_fields, lock_project, record_step
from services.registry.handlers.projects import present
from services.registry.models.planning import PlanApproval, PlanSubmission
from services.registry.models.projects import ProjectPublic
from shared.access import Principal
from shared.contracts.registry import PlanApproved, PlanItem, PlanSubmitted
from shared.errors import FieldProblem, RuleViolation


async def submit_plan(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: PlanSubmission, now: datetime
) -> ProjectPublic:
    """Submit the plan (or a revision: a new version); refused while the consultation falls short."""
    project = await lock_project(session, actor, project_id)
    profile = begin_step(project, "plan-submission", date_field="submitted_on", on=body.submitted_on, now=now)
    if project.households_consulted is not None:
        assert project.households_in_favour is not None
        assert project.publicity_from is not None and project.publicity_to is not None
        check_threshold_met(
            consultation_threshold(profile),
            project.households_consulted,
            project.households_in_favour,
            project.publicity_from,
            project.publicity_to,
        )
    check_items(profile, [item.item_code for item in body.items])
    items = [item.model_dump(mode="json") for item in body.items]
    total = sum(item.investment_fen for item in body.items)
    project.plan_version += 1
    project.plan_items = items
    event = PlanSubmitted(
        **event_fields(project),
        version=project.plan_version,
        submitted_on=body.submitted_on,
        items=[PlanItem(**item) for item in items],
        investment_fen=total,
    )
    data = {"version": project.plan_version, "investment_fen": total, **body.model_dump(mode="json")}
    record_step(
        session, actor, project, "plan-submission", on=body.submitted_on, now=now, event=event, data=data
    )
    return present(project)


async def approve_plan(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: PlanApproval, now: datetime
) -> ProjectPublic:
    """Approve the latest submitted version; its investment becomes the approved investment."""
    project = await lock_project(session, actor, project_id)
    begin_step(project, "plan-approval", date_field="approved_on", on=body.approved_on, now=now)
    if body.version != project.plan_version:
        raise RuleViolation(
            f"version {body.version} is not the latest submitted plan ({project.plan_version})",
            [FieldProblem("version", "latest_version", f"approve version {project.plan_version}")],
        )
    total = sum(int(item["investment_fen"]) for item in project.plan_items)
    was = (
        project.approved_investment_fen
        if project.approved_investment_fen is not None
        else project.investment_fen
    )
    project.approved_investment_fen = total
    event = PlanApproved(
        **event_fields(project),
        version=body.version,
        approved_on=body.approved_on,
        items=[PlanItem(**item) for item in project.plan_items],
        investment_fen=total,
        was_investment_fen=was,
    )
    data = {"investment_fen": total, **body.model_dump(mode="json")}
    record_step(
        session, actor, project, "plan-approval", on=body.approved_on, now=now, event=event, data=data
    )
    return present(project)

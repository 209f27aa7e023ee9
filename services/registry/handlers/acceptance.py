"""Joint acceptance: the signed form (ProjectAccepted), or defects (AcceptanceFailed) and rectification.

Acceptance does not wait for the final-accounts audit (Zhengzhou 2019 四(四): 统一组织竣工验收
comes before 统一实行决算审计): it states the investment at acceptance, and funding decides from
the profile which figure the award is computed on.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.acceptance import check_defect_roles, check_sign_offs
from services.registry.domain.investment import check_over_plan
from services.registry.domain.planning import check_items
from services.registry.handlers.lifecycle import (
    begin_step,
    event_fields,
    lock_project,
    project_size,
    record_step,
)
from services.registry.handlers.projects import present
from services.registry.models.acceptance import AcceptanceFailure, AcceptanceForm, Rectification
from services.registry.models.projects import Project, ProjectPublic
from shared.access import Principal
from shared.contracts.registry import AcceptanceFailed, Defect, ProjectAccepted, RectificationCompleted


def planned_investment(project: Project) -> int:
    """The plan's figure: the approved plan's investment, else the one stated at opening."""
    if project.approved_investment_fen is not None:
        return project.approved_investment_fen
    return project.investment_fen


def plan_item_codes(project: Project) -> list[str]:
    """The catalogue codes of the project's latest plan (their inspecting departments sign)."""
    return [item["item_code"] for item in project.plan_items or ()]


async def accept(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: AcceptanceForm, now: datetime
) -> ProjectPublic:
    """Record the jointly signed acceptance; announces ProjectAccepted."""
    project = await lock_project(session, actor, project_id)
    profile = begin_step(project, "acceptance", date_field="accepted_on", on=body.accepted_on, now=now)
    check_sign_offs(
        profile, [(s.role, s.signed_on) for s in body.sign_offs], body.accepted_on, plan_item_codes(project)
    )
    check_over_plan(
        "accepted_investment_fen",
        body.accepted_investment_fen,
        planned_investment(project),
        confirmed=body.confirm_over_plan,
    )
    project.accepted_on = body.accepted_on
    project.accepted_investment_fen = body.accepted_investment_fen
    size = await project_size(session, project)
    event = ProjectAccepted(
        **event_fields(project),
        investment_fen=planned_investment(project),
        accepted_investment_fen=body.accepted_investment_fen,
        audited_investment_fen=project.audited_investment_fen,
        accepted_on=body.accepted_on,
        households=size.households,
        floor_area_m2=size.floor_area_m2,
    )
    data = body.model_dump(mode="json")
    record_step(session, actor, project, "acceptance", on=body.accepted_on, now=now, event=event, data=data)
    return present(project)


async def fail_acceptance(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: AcceptanceFailure, now: datetime
) -> ProjectPublic:
    """Record the defects any party found; the project goes to rectification."""
    project = await lock_project(session, actor, project_id)
    profile = begin_step(
        project, "acceptance-failure", date_field="inspected_on", on=body.inspected_on, now=now
    )
    check_defect_roles(profile, [d.recorded_by for d in body.defects], plan_item_codes(project))
    check_items(profile, [d.item_code for d in body.defects], field="defects", unique=False)
    event = AcceptanceFailed(
        **event_fields(project),
        inspected_on=body.inspected_on,
        defects=[Defect(**d.model_dump()) for d in body.defects],
    )
    data = body.model_dump(mode="json")
    record_step(
        session, actor, project, "acceptance-failure", on=body.inspected_on, now=now, event=event, data=data
    )
    return present(project)


async def rectify(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, body: Rectification, now: datetime
) -> ProjectPublic:
    """The defects are put right; the project may be presented for acceptance again."""
    project = await lock_project(session, actor, project_id)
    begin_step(project, "rectification", date_field="rectified_on", on=body.rectified_on, now=now)
    event = RectificationCompleted(**event_fields(project), rectified_on=body.rectified_on, note=body.note)
    data = body.model_dump(mode="json")
    record_step(
        session, actor, project, "rectification", on=body.rectified_on, now=now, event=event, data=data
    )
    return present(project)

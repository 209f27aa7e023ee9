"""Utilities' pipeline work: the district assigns and exempts, the utility starts and completes.

A utility sees and writes its own work only; any other work does not exist for it (404), like
another district's project. A start or completion locks the work's row before checking its
status, so of N concurrent completions one succeeds and one event is staged; assignment and
exemption lock the project, as construction completion does, so a completion of construction
never misses a work assigned at the same moment.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.domain.dates import check_step_date
from services.registry.domain.pipeline import (
    OpenWork,
    WorkStatus,
    check_assignment,
    check_completion,
    check_exempted,
    check_project_open,
    check_start,
    open_works_block_completion,
)
from services.registry.domain.programmes import programme
from services.registry.handlers.lifecycle import event_fields, lock_project
from services.registry.models.directory import Organisation
from services.registry.models.pipeline import (
    PipelineExemption,
    PipelineExemptionCreate,
    PipelineExemptionPublic,
    PipelineWork,
    PipelineWorkAssignment,
    PipelineWorkCompletion,
    PipelineWorkPublic,
    PipelineWorkStart,
    as_public,
)
from services.registry.models.projects import Project
from shared import audit
from shared.access import OrganisationKind, Principal, sees_district, visible_district
from shared.bus.outbox import add_to_outbox
from shared.contracts.registry import (
    PipelineWorkAssigned,
    PipelineWorkCompleted,
    PipelineWorkExempted,
    PipelineWorkStarted,
)
from shared.errors import NotFoundError


def _work_fields(work: PipelineWork, project: Project) -> dict[str, Any]:
    return {
        **event_fields(project),
        "work_id": work.id,
        "item_code": work.item_code,
        "utility_code": work.utility_code,
    }


def _audit(
    session: AsyncSession, actor: Principal, action: str, work: PipelineWork, before: Any, data: Any
) -> None:
    audit.record(
        session,
        actor,
        f"pipeline_work.{action}",
        "pipeline_work",
        work.id,
        before=before,
        after={"status": work.status, "project_id": str(work.project_id), **data},
    )


async def assign_work(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    body: PipelineWorkAssignment,
    now: datetime,
) -> PipelineWorkPublic:
    """The district assigns work to a utility company; announces PipelineWorkAssigned."""
    project = await lock_project(session, actor, project_id)
    profile = programme(project.programme_code)
    check_project_open(profile, project.status, audited=project.audited_on is not None, action="assignment")
    company = await session.get(Organisation, body.utility_code)
    check_assignment(
        profile,
        plan_items={item["item_code"] for item in project.plan_items},
        item_code=body.item_code,
        utility_code=body.utility_code,
        utility_in_directory=company is not None and company.kind == OrganisationKind.UTILITY,
        planned_start_on=body.planned_start_on,
        planned_end_on=body.planned_end_on,
    )
    work = PipelineWork(
        project_id=project.id,
        district_code=project.district_code,
        programme_code=project.programme_code,
        item_code=body.item_code,
        utility_code=body.utility_code,
        scope=body.scope,
        planned_start_on=body.planned_start_on,
        planned_end_on=body.planned_end_on,
        status=WorkStatus.ASSIGNED.value,
        assigned_by=actor.org_code,
        created_at=now,
        updated_at=now,
    )
    session.add(work)
    data = body.model_dump(mode="json")
    add_to_outbox(
        session,
        PipelineWorkAssigned(
            **_work_fields(work, project),
            scope=work.scope,
            planned_start_on=work.planned_start_on,
            planned_end_on=work.planned_end_on,
        ),
    )
    _audit(session, actor, "assigned", work, None, data)
    return as_public(work)


_OWN_WORK = (
    select(PipelineWork, Project)
    .join(Project, col(Project.id) == col(PipelineWork.project_id))
    .where(PipelineWork.id == bindparam("work_id"), PipelineWork.utility_code == bindparam("utility_code"))
    .with_for_update(of=PipelineWork)  # type: ignore[arg-type]
    .execution_options(populate_existing=True)
)
"""A utility's work and its project, the work's row locked; built once (every start and
completion runs it, and building it cost more than running it)."""


async def _lock_own_work(
    session: AsyncSession, actor: Principal, work_id: uuid.UUID
) -> tuple[PipelineWork, Project]:
    """The utility's own work, locked (its row only), with its project in the same round trip;
    404 for any other work."""
    if actor.org_kind is not OrganisationKind.UTILITY:
        raise NotFoundError(f"no pipeline work {work_id}")
    params = {"work_id": work_id, "utility_code": actor.org_code}
    found = (await session.exec(_OWN_WORK, params=params)).first()
    if found is None:
        raise NotFoundError(f"no pipeline work {work_id}")
    return found[0], found[1]


async def start_work(
    session: AsyncSession, actor: Principal, work_id: uuid.UUID, body: PipelineWorkStart, now: datetime
) -> PipelineWorkPublic:
    """The utility started its work on site; announces PipelineWorkStarted."""
    work, project = await _lock_own_work(session, actor, work_id)
    profile = programme(project.programme_code)
    check_project_open(profile, project.status, audited=project.audited_on is not None, action="start")
    check_start(work.status, body.started_on, now=now, programme_issued_on=profile.issued_on)
    before = {"status": work.status}
    work.status = WorkStatus.STARTED.value
    work.started_on = body.started_on
    work.updated_at = now
    session.add(work)
    add_to_outbox(session, PipelineWorkStarted(**_work_fields(work, project), started_on=body.started_on))
    _audit(session, actor, "started", work, before, body.model_dump(mode="json"))
    return as_public(work)


async def complete_work(
    session: AsyncSession, actor: Principal, work_id: uuid.UUID, body: PipelineWorkCompletion, now: datetime
) -> PipelineWorkPublic:
    """The utility finished its work; announces PipelineWorkCompleted (it no longer holds up
    construction)."""
    work, project = await _lock_own_work(session, actor, work_id)
    profile = programme(project.programme_code)
    check_project_open(profile, project.status, audited=project.audited_on is not None, action="completion")
    check_completion(work.status, body.completed_on, now=now, started_on=work.started_on)
    before = {"status": work.status}
    work.status = WorkStatus.COMPLETED.value
    work.completed_on = body.completed_on
    work.scope_done = body.scope_done
    work.evidence_ref = body.evidence_ref
    work.updated_at = now
    session.add(work)
    add_to_outbox(
        session,
        PipelineWorkCompleted(
            **_work_fields(work, project),
            completed_on=body.completed_on,
            scope_done=body.scope_done,
            evidence_ref=body.evidence_ref,
        ),
    )
    _audit(session, actor, "completed", work, before, body.model_dump(mode="json"))
    return as_public(work)


def _open(query: Any) -> Any:
    return query.where(
        PipelineWork.status != WorkStatus.COMPLETED.value, col(PipelineWork.exemption_id).is_(None)
    )


async def open_works(
    session: AsyncSession, project_id: uuid.UUID, *, lock: bool = False
) -> list[PipelineWork]:
    """The project's works neither completed nor exempted, oldest first (locked when asked)."""
    query = _open(select(PipelineWork).where(PipelineWork.project_id == project_id))
    query = query.order_by(col(PipelineWork.created_at), col(PipelineWork.id))
    if lock:
        query = query.with_for_update()
    return list((await session.exec(query)).all())


async def check_no_open_work(session: AsyncSession, project: Project) -> None:
    """Refuse to complete construction while pipeline work is open (call with the project locked).

    Raises:
        InvalidState: naming the open works; an exemption is among the allowed actions (409).
    """
    found = await open_works(session, project.id)
    blocking = [OpenWork(str(w.id), w.item_code, w.utility_code, w.status) for w in found]
    open_works_block_completion(
        programme(project.programme_code),
        project.status,
        blocking,
        audited=project.audited_on is not None,
    )


async def exempt_works(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    body: PipelineExemptionCreate,
    now: datetime,
) -> PipelineExemptionPublic:
    """The district lets construction complete although these works are open; records why and
    announces PipelineWorkExempted. The works stay open: the utility may still complete them."""
    project = await lock_project(session, actor, project_id)
    profile = programme(project.programme_code)
    check_project_open(profile, project.status, audited=project.audited_on is not None, action="exemption")
    works = {str(w.id): w for w in await open_works(session, project.id, lock=True)}
    requested = [str(work_id) for work_id in body.work_ids]
    check_exempted(requested, works)
    check_step_date(
        "exempted_on", body.exempted_on, now=now, programme_issued_on=profile.issued_on, previous_on=None
    )
    exemption = PipelineExemption(
        project_id=project.id,
        work_ids=requested,
        reason=body.reason,
        exempted_on=body.exempted_on,
        actor_org=actor.org_code,
        recorded_at=now,
    )
    session.add(exemption)
    await session.flush()
    exempted = [works[work_id] for work_id in requested]
    for work in exempted:
        work.exemption_id = exemption.id
        work.updated_at = now
        session.add(work)
    add_to_outbox(
        session,
        PipelineWorkExempted(
            **event_fields(project),
            work_ids=[w.id for w in exempted],
            utility_codes=sorted({w.utility_code for w in exempted}),
            reason=body.reason,
            exempted_on=body.exempted_on,
        ),
    )
    audit.record(
        session,
        actor,
        "pipeline_work.exempted",
        "project",
        project.id,
        after={"exemption_id": exemption.id, **body.model_dump(mode="json")},
    )
    return PipelineExemptionPublic.model_validate(exemption, from_attributes=True)


async def list_exemptions(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID
) -> list[PipelineExemptionPublic]:
    """The project's exemptions, oldest first, for those who may read the project (404 otherwise)."""
    project = await session.get(Project, project_id)
    if project is None or not sees_district(actor, project.district_code):
        raise NotFoundError(f"no project {project_id}")
    query = (
        select(PipelineExemption)
        .where(PipelineExemption.project_id == project_id)
        .order_by(col(PipelineExemption.id))
    )
    rows = (await session.exec(query)).all()
    return [PipelineExemptionPublic.model_validate(row, from_attributes=True) for row in rows]


def _visible(query: Any, actor: Principal) -> Any:
    """Narrow a query to the works the caller may see: a utility its own, a district its district's."""
    if actor.org_kind is OrganisationKind.UTILITY:
        return query.where(PipelineWork.utility_code == actor.org_code)
    if (own := visible_district(actor)) is not None:
        return query.where(PipelineWork.district_code == own)
    return query


async def get_work(session: AsyncSession, actor: Principal, work_id: uuid.UUID) -> PipelineWorkPublic:
    """One work the caller may see (404 otherwise)."""
    work = (
        await session.exec(_visible(select(PipelineWork).where(PipelineWork.id == work_id), actor))
    ).first()
    if work is None:
        raise NotFoundError(f"no pipeline work {work_id}")
    return as_public(work)


async def list_works(
    session: AsyncSession,
    actor: Principal,
    *,
    project_id: uuid.UUID | None,
    utility_code: str | None,
    status: WorkStatus | None,
    blocking: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[PipelineWorkPublic], int]:
    """The works the caller may see, filtered, oldest first (id breaks ties); and their total.

    Args:
        blocking: True for the works that hold up construction (open, not exempted), False for
            the others, None for all.
    """
    query = _visible(select(PipelineWork), actor)
    for column, value in (
        (PipelineWork.project_id, project_id),
        (PipelineWork.utility_code, utility_code),
        (PipelineWork.status, status.value if status else None),
    ):
        if value is not None:
            query = query.where(column == value)
    if blocking is True:
        query = _open(query)
    elif blocking is False:
        query = query.where(
            or_(
                col(PipelineWork.status) == WorkStatus.COMPLETED.value,
                col(PipelineWork.exemption_id).is_not(None),
            )
        )
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = query.order_by(col(PipelineWork.created_at), col(PipelineWork.id)).limit(limit).offset(offset)
    return [as_public(w) for w in (await session.exec(page)).all()], int(total)

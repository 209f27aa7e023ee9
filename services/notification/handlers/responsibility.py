"""Routing by responsibility: remember each project's approved items, and find who must hear of
an event by default (see `domain.responsibility`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain import responsibility
from services.notification.models.projects import ProjectItems
from shared.access import Principal
from shared.contracts.envelope import CloudEvent
from shared.policy import ProgrammeProfile, UnknownProgrammeError, get_profile

PLAN_APPROVED = "registry.project.plan_approved.v1"


def _profile(data: dict[str, Any]) -> ProgrammeProfile | None:
    try:
        return get_profile(str(data.get("programme_code") or ""))
    except UnknownProgrammeError:
        return None


async def remember_items(session: AsyncSession, event: CloudEvent, now: datetime) -> None:
    """Keep the latest approved plan's item codes of a project."""
    if event.type != PLAN_APPROVED or not event.data.get("project_id"):
        return
    project_id = str(event.data["project_id"])
    version = int(event.data.get("version") or 0)
    codes = [str(i.get("item_code")) for i in event.data.get("items") or [] if i.get("item_code")]
    row = await session.get(ProjectItems, project_id)
    if row is None:
        row = ProjectItems(
            project_id=project_id,
            programme_code=str(event.data.get("programme_code") or ""),
            plan_version=version,
            item_codes=codes,
            updated_at=now,
        )
    elif version >= row.plan_version:
        row.plan_version, row.item_codes, row.updated_at = version, codes, now
    session.add(row)


async def routing_view(session: AsyncSession, event: CloudEvent) -> tuple[CloudEvent, list[Principal]]:
    """The event as routing sees it (works events name the utilities assigned to the project's
    items) and the organisations that must hear of it by default."""
    profile = _profile(event.data)
    if profile is None:
        return event, []
    items: list[str] = []
    if event.type in responsibility.WORKS_EVENTS and event.data.get("project_id"):
        row = await session.get(ProjectItems, str(event.data["project_id"]))
        items = list(row.item_codes) if row else []
        utilities = responsibility.responsible_for_items(profile, items).utilities
        assigned = sorted({*event.data.get("assigned_utilities", []), *utilities})
        event = event.model_copy(update={"data": {**event.data, "assigned_utilities": assigned}})
    return event, responsibility.recipients(event.type, event.data, profile, items)

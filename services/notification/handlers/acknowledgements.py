"""Action items: opened by fan-out for the departments an event asks to act, acknowledged and
acted on by them, closed by an event that records the action, escalated to the office when an
acknowledgement is overdue.

Commands lock the item (`with_for_update`) and check its state, so N concurrent acknowledgements
give one success and N-1 conflicts. The sweep takes overdue items with SKIP LOCKED and marks them
escalated in the same transaction as the notice, so replicas escalate each item once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain import acknowledgements as rules
from services.notification.domain.channels import Channel
from services.notification.handlers.notices import tell
from services.notification.handlers.subscriptions import sees_all
from services.notification.models.acknowledgements import AcknowledgementTimes, ActionItem, ActionState
from services.notification.models.projects import ProjectItems
from shared import audit
from shared.access import Principal
from shared.contracts.envelope import CloudEvent
from shared.errors import InvalidState, NotFoundError
from shared.policy import ProgrammeProfile, UnknownProgrammeError, get_profile
from shared.policy.rules.acknowledgement import actions_asked, actions_completed

MAX_SWEEP = 200
"""Overdue items escalated per sweep transaction."""


def _profile(data: dict[str, Any]) -> ProgrammeProfile | None:
    try:
        return get_profile(str(data.get("programme_code") or ""))
    except UnknownProgrammeError:
        return None


async def on_event(session: AsyncSession, event: CloudEvent, now: datetime) -> None:
    """Open the action items this event asks for, and record the action an event reports."""
    profile = _profile(event.data)
    if profile is None or not profile.action_requests:
        return
    project_id = str(event.data["project_id"]) if event.data.get("project_id") else None
    items: list[str] = []
    if project_id and any(r.event_type == event.type for r in profile.action_requests):  # item-bound
        row = await session.get(ProjectItems, project_id)
        items = list(row.item_codes) if row else []
    for due in actions_asked(profile, event.type, items):
        session.add(
            ActionItem(
                org_code=due.department,
                programme_code=profile.code,
                request_code=due.request.code,
                title=due.request.name_zh,
                event_id=event.id,
                event_type=event.type,
                project_id=project_id,
                match_key=_key(event.data, due.request.match_on),
                district_code=event.districtcode or event.data.get("district_code"),
                created_at=now,
                acknowledge_by=rules.due_at(now, due.request.acknowledge_within_hours),
            )
        )
    for request in actions_completed(profile, event.type):
        key = _key(event.data, request.match_on)
        if key is not None:
            await _complete(session, event, key, request.code, now)


def _key(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    return str(value)[:64] if value not in (None, "") else None


async def _complete(
    session: AsyncSession, event: CloudEvent, key: str, request_code: str, now: datetime
) -> None:
    open_items = (
        await session.exec(
            select(ActionItem)
            .where(
                ActionItem.match_key == key,
                ActionItem.request_code == request_code,
                col(ActionItem.action_at).is_(None),
            )
            .with_for_update()
        )
    ).all()
    for item in open_items:
        item.acknowledged_at = item.acknowledged_at or now
        item.acknowledged_by = item.acknowledged_by or f"event:{event.type}"
        item.action_at = now
        item.action_by = f"event:{event.type}"
        item.action_note = f"平台已收到事件 {event.type}（{event.id}），据此记录办理结果。"
        item.action_event_id = event.id
        session.add(item)


def _visible(actor: Principal, item: ActionItem) -> bool:
    return sees_all(actor) or item.org_code == actor.org_code


async def get_item(
    session: AsyncSession, actor: Principal, item_id: uuid.UUID, *, for_update: bool = False
) -> ActionItem:
    """The item, if the caller may see it (else NotFound, so ids cannot be probed).

    Raises:
        NotFoundError: no such item, or another organisation's.
    """
    item = await session.get(ActionItem, item_id, with_for_update=for_update)
    if item is None or not _visible(actor, item):
        raise NotFoundError(f"no action item {item_id}")
    return item


async def _own_item(session: AsyncSession, actor: Principal, item_id: uuid.UUID) -> ActionItem:
    item = await get_item(session, actor, item_id, for_update=True)
    if item.org_code != actor.org_code:
        raise NotFoundError(f"no action item {item_id}")  # the office reads; the department acts
    return item


async def acknowledge(
    session: AsyncSession, actor: Principal, item_id: uuid.UUID, *, now: datetime
) -> ActionItem:
    """Acknowledge receipt of an action item (once).

    Raises:
        InvalidState: it was acknowledged already.
    """
    item = await _own_item(session, actor, item_id)
    if item.acknowledged_at is not None:
        raise InvalidState(
            f"action item {item_id} was acknowledged at {item.acknowledged_at.isoformat()}",
            current=str(item.state),
            allowed=[] if item.state is ActionState.DONE else ["action"],
        )
    item.acknowledged_at = now
    item.acknowledged_by = actor.subject
    session.add(item)
    audit.record(session, actor, "action_item.acknowledged", "action_item", item.id)
    return item


async def record_action(
    session: AsyncSession, actor: Principal, item_id: uuid.UUID, *, note: str, now: datetime
) -> ActionItem:
    """Record the action taken (once); recording it acknowledges receipt too, if not done yet.

    Raises:
        InvalidState: the action was recorded already.
    """
    item = await _own_item(session, actor, item_id)
    if item.action_at is not None:
        raise InvalidState(
            f"the action on item {item_id} was recorded at {item.action_at.isoformat()}",
            current=str(item.state),
            allowed=[],
        )
    if item.acknowledged_at is None:
        item.acknowledged_at, item.acknowledged_by = now, actor.subject
    item.action_at, item.action_by, item.action_note = now, actor.subject, note
    session.add(item)
    audit.record(session, actor, "action_item.acted", "action_item", item.id, after={"note": note})
    return item


async def list_items(
    session: AsyncSession,
    actor: Principal,
    *,
    state: ActionState | None,
    overdue: bool,
    project_id: str | None,
    limit: int,
    now: datetime,
) -> list[ActionItem]:
    """The caller's action items (the office sees all), oldest due first."""
    query = select(ActionItem)
    if not sees_all(actor):
        query = query.where(ActionItem.org_code == actor.org_code)
    if project_id:
        query = query.where(ActionItem.project_id == project_id)
    if state is ActionState.OPEN or overdue:
        query = query.where(col(ActionItem.acknowledged_at).is_(None))
    elif state is ActionState.ACKNOWLEDGED:
        query = query.where(col(ActionItem.acknowledged_at).is_not(None), col(ActionItem.action_at).is_(None))
    elif state is ActionState.DONE:
        query = query.where(col(ActionItem.action_at).is_not(None))
    if overdue:
        query = query.where(ActionItem.acknowledge_by <= now)
    query = query.order_by(col(ActionItem.acknowledge_by), col(ActionItem.id)).limit(limit)
    return list((await session.exec(query)).all())


async def times(
    session: AsyncSession,
    actor: Principal,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    programme_code: str | None = None,
) -> list[AcknowledgementTimes]:
    """Acknowledgement times per organisation over items asked in [since, until): the office sees
    every organisation, any other caller its own."""
    query = select(
        ActionItem.org_code, ActionItem.created_at, ActionItem.acknowledge_by, ActionItem.acknowledged_at
    )
    if not sees_all(actor):
        query = query.where(ActionItem.org_code == actor.org_code)
    if since is not None:
        query = query.where(ActionItem.created_at >= since)
    if until is not None:
        query = query.where(ActionItem.created_at < until)
    if programme_code:
        query = query.where(ActionItem.programme_code == programme_code)
    rows = (await session.exec(query)).all()
    report = rules.times_by_org((rules.ItemTimes(*row) for row in rows), now)
    return [AcknowledgementTimes(**vars(entry)) for entry in report]


async def escalate_overdue(session: AsyncSession, *, now: datetime, limit: int = MAX_SWEEP) -> int:
    """Escalate each unacknowledged item past its due time, once, to its programme's office
    (inbox, e-mail and webhooks of the office's subscriptions); returns how many."""
    overdue = (
        await session.exec(
            select(ActionItem)
            .where(
                col(ActionItem.acknowledged_at).is_(None),
                col(ActionItem.escalated_at).is_(None),
                ActionItem.acknowledge_by <= now,
            )
            .order_by(col(ActionItem.acknowledge_by))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for item in overdue:
        item.escalated_at = now
        session.add(item)
        profile = _profile({"programme_code": item.programme_code})
        if profile is None or profile.office is None:
            continue
        notice = rules.escalation(
            item_id=str(item.id),
            org_code=item.org_code,
            title=item.title,
            project_id=item.project_id,
            district_code=item.district_code,
            asked_at=item.created_at,
            due=item.acknowledge_by,
            now=now,
        )
        await tell(session, profile.office.code, notice, now=now, channels=(Channel.EMAIL, Channel.WEBHOOK))
    return len(overdue)

"""Action-item routes: a department's items, their acknowledgement and the action taken, and the
acknowledgement times per organisation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from services.notification.handlers import acknowledgements
from services.notification.models.acknowledgements import (
    AcknowledgementTimes,
    ActionItem,
    ActionItemPublic,
    ActionState,
    ActionTaken,
)
from shared.access import Principal, Scope
from shared.errors import FieldProblem, RuleViolation
from shared.web.auth import require
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["acknowledgements"])
Member = Annotated[Principal, require(Scope.NOTIFICATION_SUBSCRIBE)]
Code = Annotated[str, Query(min_length=1, max_length=64)]
Instant = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$",
        description="An ISO 8601 date and time with its offset, e.g. 2026-11-01T00:00:00+08:00.",
    ),
]
"""A strict date-time query value: a Unix timestamp or a time without offset is refused."""


def _public(item: ActionItem) -> ActionItemPublic:
    """The API shape, with the derived `state` (a stored Idempotency-Key response needs it too)."""
    return ActionItemPublic.model_validate(item, from_attributes=True)


@router.get("/action-items", response_model=list[ActionItemPublic])
async def list_action_items(
    session: SessionDep,
    actor: Member,
    now: NowDep,
    state: ActionState | None = None,
    overdue: bool = False,
    project_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> object:
    """The caller's action items (the office sees all), earliest due first."""
    return await acknowledgements.list_items(
        session, actor, state=state, overdue=overdue, project_id=project_id, limit=limit, now=now
    )


@router.get("/action-items/{item_id}", response_model=ActionItemPublic)
async def read_action_item(item_id: uuid.UUID, session: SessionDep, actor: Member) -> object:
    """Read one action item."""
    return await acknowledgements.get_item(session, actor, item_id)


@router.post("/action-items/{item_id}/acknowledgement", response_model=ActionItemPublic)
async def acknowledge(
    item_id: uuid.UUID, session: SessionDep, actor: Member, now: NowDep, idempotency: IdempotencyDep
) -> object:
    """Acknowledge receipt of an action item; a second acknowledgement is a conflict."""

    async def command() -> ActionItemPublic:
        return _public(await acknowledgements.acknowledge(session, actor, item_id, now=now))

    return await idempotency.run(session, command, response_model=ActionItemPublic)


@router.post("/action-items/{item_id}/action", response_model=ActionItemPublic)
async def record_action(
    item_id: uuid.UUID,
    body: ActionTaken,
    session: SessionDep,
    actor: Member,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Record the action taken on an item (acknowledging it too, if not yet done)."""

    async def command() -> ActionItemPublic:
        return _public(await acknowledgements.record_action(session, actor, item_id, note=body.note, now=now))

    return await idempotency.run(session, command, response_model=ActionItemPublic)


@router.get("/acknowledgements/times", response_model=list[AcknowledgementTimes])
async def acknowledgement_times(
    session: SessionDep,
    actor: Member,
    now: NowDep,
    since: Instant = None,
    until: Instant = None,
    programme_code: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> object:
    """Acknowledgement times per organisation: count, median, p90, late and overdue."""
    return await acknowledgements.times(
        session,
        actor,
        now=now,
        since=_instant("since", since),
        until=_instant("until", until),
        programme_code=programme_code,
    )


def _instant(field: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RuleViolation(
            f"{field} is not a date and time",
            [FieldProblem(field, "datetime_parsing", "an ISO 8601 date and time with its offset")],
        ) from None

"""Inbox routes: an organisation's own notifications, read or unread, and their count."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.notification.handlers import inbox
from services.notification.models import InboxCount, InboxItemPublic
from shared.access import Principal, Scope
from shared.web.auth import require
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["inbox"])
Reader = Annotated[Principal, require(Scope.NOTIFICATION_SUBSCRIBE)]


@router.get("/inbox", response_model=list[InboxItemPublic])
async def list_inbox(
    session: SessionDep,
    reader: Reader,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> object:
    """The caller's notifications, newest first; `unread=true` for the unread ones only."""
    return await inbox.list_items(session, reader, unread_only=unread, limit=limit)


@router.get("/inbox/count", response_model=InboxCount)
async def count_inbox(session: SessionDep, reader: Reader) -> object:
    """How many notifications the caller has, and how many are unread."""
    return await inbox.count(session, reader)


@router.post("/inbox/{item_id}/read", response_model=InboxItemPublic)
async def read_item(item_id: uuid.UUID, session: SessionDep, reader: Reader, now: NowDep) -> object:
    """Mark one notification read."""
    return await inbox.mark_read(session, reader, item_id, now=now)


@router.post("/inbox/read-all", response_model=InboxCount)
async def read_all(session: SessionDep, reader: Reader, now: NowDep) -> object:
    """Mark every notification of the caller read."""
    return await inbox.mark_all_read(session, reader, now=now)

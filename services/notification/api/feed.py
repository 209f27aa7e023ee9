"""The pull feed route."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.notification.handlers import feed
from services.notification.models.feed import FeedPage
from shared.access import Principal, Scope
from shared.web.auth import require
from shared.web.deps import SessionDep

router = APIRouter(tags=["feed"])
Reader = Annotated[Principal, require(Scope.NOTIFICATION_SUBSCRIBE)]


@router.get("/feed", response_model=FeedPage)
async def read_feed(
    session: SessionDep,
    reader: Reader,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="The `next_cursor` of the previous page; 0 to start.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    type: Annotated[list[str] | None, Query(max_length=50, description="Only these event types.")] = None,  # noqa: A002
) -> object:
    """Events the caller may read, oldest first, from after the cursor."""
    return await feed.read(session, reader, after=after, limit=limit, types=type)

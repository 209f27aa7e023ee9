"""Delivery routes: the delivery log, its attempts, and manual retry."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response

from services.notification.handlers import deliveries
from services.notification.models import DeliveryAttemptPublic, DeliveryPublic, DeliveryState
from shared.access import Principal, Scope
from shared.web.auth import CurrentPrincipal, require
from shared.web.deps import NowDep, SessionDep
from shared.web.paging import NEXT_LINK_RESPONSE, after_query, decode_cursor, page_limit, paginate

router = APIRouter(tags=["deliveries"])
Subscriber = Annotated[Principal, require(Scope.NOTIFICATION_SUBSCRIBE)]


@router.get("/deliveries", response_model=list[DeliveryPublic], responses=NEXT_LINK_RESPONSE)
async def list_deliveries(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentPrincipal,
    subscription_id: uuid.UUID | None = None,
    state: DeliveryState | None = None,
    after: Annotated[str | None, after_query((int,))] = None,
    limit: Annotated[int, page_limit(100, 500)] = 100,
) -> object:
    """List deliveries in the order they were stored (commit order), paged by cursor (`Link`
    header); a reader following the links sees every delivery once, even one whose transaction
    committed while it paged. `state=failed`: exhausted ones."""
    key = decode_cursor(after, (int,))
    rows = await deliveries.list_deliveries(
        session, actor, subscription_id, state, after=int(key[0]) if key else None, limit=limit + 1
    )
    return paginate(request, response, rows, limit, key=lambda d: (d.seq or 0,))  # listed rows have one


@router.get("/deliveries/{delivery_id}/attempts", response_model=list[DeliveryAttemptPublic])
async def list_attempts(delivery_id: uuid.UUID, session: SessionDep, actor: CurrentPrincipal) -> object:
    """Every attempt of one delivery: when, status line, latency."""
    return await deliveries.list_attempts(session, actor, delivery_id)


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryPublic)
async def retry_delivery(
    delivery_id: uuid.UUID, session: SessionDep, actor: Subscriber, now: NowDep
) -> object:
    """Send a failed delivery again, with a fresh round of attempts."""
    return await deliveries.retry_delivery(session, actor, delivery_id, now=now)

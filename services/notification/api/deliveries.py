"""Delivery routes: the delivery log, its attempts, and manual retry."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from services.notification.handlers import deliveries
from services.notification.models import DeliveryAttemptPublic, DeliveryPublic, DeliveryState
from shared.access import Principal, Scope
from shared.web.auth import CurrentPrincipal, require
from shared.web.deps import NowDep, SessionDep

router = APIRouter(tags=["deliveries"])
Subscriber = Annotated[Principal, require(Scope.NOTIFICATION_SUBSCRIBE)]


@router.get("/deliveries", response_model=list[DeliveryPublic])
async def list_deliveries(
    session: SessionDep,
    actor: CurrentPrincipal,
    subscription_id: uuid.UUID | None = None,
    state: DeliveryState | None = None,
) -> object:
    """List webhook deliveries and their state; `state=failed` lists the exhausted ones."""
    return await deliveries.list_deliveries(session, actor, subscription_id, state)


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

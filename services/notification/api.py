"""Notification HTTP routes: subscriptions and their deliveries."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status

from services.notification import handlers
from services.notification.models import (
    DeliveryPublic,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
)
from shared.access import Principal, Scope
from shared.web.auth import CurrentPrincipal, require
from shared.web.deps import SessionDep

router = APIRouter(tags=["subscriptions"])
Subscriber = Annotated[Principal, require(Scope.NOTIFICATION_SUBSCRIBE)]


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated)
async def create_subscription(body: SubscriptionCreate, session: SessionDep, actor: Subscriber) -> object:
    """Subscribe a webhook endpoint to event types; the response holds the signing secret once."""
    return await handlers.create_subscription(session, actor, body)


@router.get("/subscriptions", response_model=list[SubscriptionPublic])
async def list_subscriptions(session: SessionDep, actor: CurrentPrincipal) -> object:
    """List subscriptions (secrets are never shown again)."""
    return await handlers.list_subscriptions(session, actor)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
async def read_subscription(
    subscription_id: uuid.UUID, session: SessionDep, actor: CurrentPrincipal
) -> object:
    """Read one subscription."""
    return await handlers.get_subscription(session, actor, subscription_id)


@router.get("/deliveries", response_model=list[DeliveryPublic])
async def list_deliveries(
    session: SessionDep, actor: CurrentPrincipal, subscription_id: uuid.UUID | None = None
) -> object:
    """List webhook deliveries and their state, optionally for one subscription."""
    return await handlers.list_deliveries(session, actor, subscription_id)

"""Notification HTTP routes: subscriptions and their deliveries."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from services.notification import handlers
from services.notification.models import (
    DeliveryPublic,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
)
from shared.api import SessionDep

router = APIRouter(tags=["subscriptions"])


@router.post(
    "/subscriptions", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated
)
async def create_subscription(body: SubscriptionCreate, session: SessionDep) -> object:
    """Subscribe a webhook endpoint to event types; the response holds the signing secret once."""
    return await handlers.create_subscription(session, body)


@router.get("/subscriptions", response_model=list[SubscriptionPublic])
async def list_subscriptions(session: SessionDep) -> object:
    """List subscriptions (secrets are never shown again)."""
    return await handlers.list_subscriptions(session)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
async def read_subscription(subscription_id: uuid.UUID, session: SessionDep) -> object:
    """Read one subscription."""
    return await handlers.get_subscription(session, subscription_id)


@router.get("/deliveries", response_model=list[DeliveryPublic])
async def list_deliveries(session: SessionDep, subscription_id: uuid.UUID | None = None) -> object:
    """List webhook deliveries and their state, optionally for one subscription."""
    return await handlers.list_deliveries(session, subscription_id)

"""Subscription routes: create, list, read, change, end, replay, rotate the secret."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, status

from services.notification.handlers import deliveries, subscriptions
from services.notification.handlers.subscriptions import SubscriptionPolicy
from services.notification.models import (
    ReplayRequest,
    ReplayResult,
    SecretRotated,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
    SubscriptionUpdate,
)
from services.notification.settings import NotificationSettings
from shared.access import Principal, Scope
from shared.web.auth import CurrentPrincipal, require
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep

router = APIRouter(tags=["subscriptions"])
Subscriber = Annotated[Principal, require(Scope.NOTIFICATION_SUBSCRIBE)]


def policy_for(request: Request) -> SubscriptionPolicy:
    settings: NotificationSettings = request.app.state.runtime.settings
    return SubscriptionPolicy(
        cap=settings.subscriptions_per_organisation,
        allowlist=settings.outbound_allowlist,
        require_https=settings.require_https,
    )


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated)
async def create_subscription(
    body: SubscriptionCreate,
    request: Request,
    session: SessionDep,
    actor: Subscriber,
    now: NowDep,
    idempotency: IdempotencyDep,
) -> object:
    """Subscribe a webhook endpoint to event types; the response holds the signing secret once."""
    return await idempotency.run(
        session,
        lambda: subscriptions.create_subscription(session, actor, body, now=now, policy=policy_for(request)),
        response_model=SubscriptionCreated,
        status_code=status.HTTP_201_CREATED,
    )


@router.get("/subscriptions", response_model=list[SubscriptionPublic])
async def list_subscriptions(session: SessionDep, actor: CurrentPrincipal) -> object:
    """List subscriptions (secrets are never shown again)."""
    return await subscriptions.list_subscriptions(session, actor)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
async def read_subscription(
    subscription_id: uuid.UUID, session: SessionDep, actor: CurrentPrincipal
) -> object:
    """Read one subscription."""
    return await subscriptions.get_subscription(session, actor, subscription_id)


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
async def change_subscription(
    subscription_id: uuid.UUID,
    body: SubscriptionUpdate,
    request: Request,
    session: SessionDep,
    actor: Subscriber,
) -> object:
    """Change event types, filters or the destination; only the fields sent change."""
    return await subscriptions.update_subscription(
        session, actor, subscription_id, body, policy=policy_for(request)
    )


@router.delete("/subscriptions/{subscription_id}", response_model=SubscriptionPublic)
async def end_subscription(
    subscription_id: uuid.UUID, session: SessionDep, actor: Subscriber, now: NowDep
) -> object:
    """End a subscription; nothing more is sent to it."""
    return await subscriptions.unsubscribe(session, actor, subscription_id, now=now)


@router.post("/subscriptions/{subscription_id}/replays", response_model=ReplayResult)
async def replay_subscription(
    subscription_id: uuid.UUID, body: ReplayRequest, session: SessionDep, actor: Subscriber, now: NowDep
) -> object:
    """Send again every message of this subscription stored in [since, until)."""
    count = await deliveries.replay(
        session, actor, subscription_id, since=body.since, until=body.until, now=now
    )
    return ReplayResult(requeued=count)


@router.post("/subscriptions/{subscription_id}/secret-rotations", response_model=SecretRotated)
async def rotate_secret(
    subscription_id: uuid.UUID, request: Request, session: SessionDep, actor: Subscriber, now: NowDep
) -> object:
    """Issue a new signing secret; the old one keeps signing alongside it for the overlap period."""
    settings: NotificationSettings = request.app.state.runtime.settings
    return await subscriptions.rotate_secret(
        session, actor, subscription_id, now=now, overlap_s=settings.secret_rotation_overlap_s
    )

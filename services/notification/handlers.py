"""Notification's reactions to events: store one delivery per matching subscription.

Delivery itself happens later, in the worker, so a slow subscriber never holds the consumer.
"""

from __future__ import annotations

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.models import (
    Delivery,
    DeliveryState,
    Subscription,
    SubscriptionCreate,
)
from services.notification.signing import new_secret
from shared import audit
from shared.access import OrganisationKind, Principal
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.clock import utcnow
from shared.contracts.base import EventPayload
from shared.contracts.catalog import EVENT_TYPES
from shared.errors import FieldProblem, NotFoundError, RuleViolation


async def fan_out(session: AsyncSession, event: ReceivedEvent[EventPayload]) -> None:
    """Queue a delivery of this event for every active subscription to its type."""
    subscriptions = await session.exec(select(Subscription).where(Subscription.active == True))  # noqa: E712
    now = utcnow()
    content = event.envelope.to_bytes().decode()
    for subscription in subscriptions:
        if event.envelope.type in subscription.event_types:
            session.add(
                Delivery(
                    subscription_id=subscription.id,
                    event_id=event.id,
                    event_type=event.envelope.type,
                    content=content,
                    state=DeliveryState.PENDING,
                    created_at=now,
                    next_attempt_at=now,
                )
            )


async def create_subscription(
    session: AsyncSession, actor: Principal, command: SubscriptionCreate
) -> Subscription:
    """Subscribe the caller's organisation to event types; the signing secret is generated here."""
    unknown = [t for t in command.event_types if t not in EVENT_TYPES]
    if unknown:
        raise RuleViolation(
            f"unknown event types: {', '.join(unknown)}",
            [FieldProblem("event_types", "known_event_type", f"known: {sorted(EVENT_TYPES)}")],
        )
    subscription = Subscription(
        subscriber_code=actor.org_code,
        event_types=sorted(set(command.event_types)),
        endpoint_url=str(command.endpoint_url),
        secret=new_secret(),
        created_at=utcnow(),
    )
    session.add(subscription)
    audit.record(
        session,
        actor,
        "subscription.created",
        "subscription",
        subscription.id,
        after={"event_types": subscription.event_types, "endpoint_url": subscription.endpoint_url},
    )
    return subscription


def _sees_all(actor: Principal) -> bool:
    return actor.org_kind is OrganisationKind.OFFICE


async def list_subscriptions(session: AsyncSession, actor: Principal) -> list[Subscription]:
    query = select(Subscription).order_by(col(Subscription.created_at))
    if not _sees_all(actor):
        query = query.where(Subscription.subscriber_code == actor.org_code)
    return list((await session.exec(query)).all())


async def list_deliveries(
    session: AsyncSession, actor: Principal, subscription_id: uuid.UUID | None
) -> list[Delivery]:
    query = (
        select(Delivery)
        .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
        .order_by(col(Delivery.created_at))
    )
    if not _sees_all(actor):
        query = query.where(Subscription.subscriber_code == actor.org_code)
    if subscription_id is not None:
        query = query.where(Delivery.subscription_id == subscription_id)
    return list((await session.exec(query)).all())


async def get_subscription(
    session: AsyncSession, actor: Principal, subscription_id: uuid.UUID
) -> Subscription:
    subscription = await session.get(Subscription, subscription_id)
    if subscription is None or not (_sees_all(actor) or subscription.subscriber_code == actor.org_code):
        raise NotFoundError(f"no subscription {subscription_id}")
    return subscription


SUBSCRIPTIONS = Subscriptions({model: fan_out for model in EVENT_TYPES.values()})

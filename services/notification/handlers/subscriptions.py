"""Subscription commands: create and change (checked, capped, deduplicated), list and read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain import subscriptions as rules
from services.notification.domain.channels import Channel, check_target
from services.notification.domain.signing import new_secret
from services.notification.models import SecretRotated, Subscription, SubscriptionCreate, SubscriptionUpdate
from shared import audit
from shared.access import OrganisationKind, Principal
from shared.contracts.catalog import EVENT_TYPES
from shared.errors import Conflict, FieldProblem, NotFoundError, RuleViolation
from shared.outbound import Allowlist, OutboundRefused, Resolver, check_url
from shared.policy import bundled_profiles


@dataclass(frozen=True)
class SubscriptionPolicy:
    """The settings a new subscription is checked against."""

    cap: int
    allowlist: Allowlist
    require_https: bool
    resolver: Resolver | None = None


async def check_endpoint(url: str | None, policy: SubscriptionPolicy) -> str:
    """The URL, once the outbound guard accepts it.

    Raises:
        RuleViolation: naming `endpoint_url` and the guard's rule.
    """
    if not url:
        raise RuleViolation(
            "a webhook needs endpoint_url", [FieldProblem("endpoint_url", "required_for_channel", "")]
        )
    try:
        await check_url(
            url, allowlist=policy.allowlist, require_https=policy.require_https, resolver=policy.resolver
        )
    except OutboundRefused as refused:
        raise RuleViolation(
            f"endpoint_url refused: {refused.message}",
            [FieldProblem("endpoint_url", refused.rule, refused.message)],
        ) from None
    return url


def checked_filters(
    actor: Principal,
    programmes: list[str] | None,
    districts: list[str] | None,
    items: list[str] | None,
) -> rules.Filters:
    """The filters, normalised, once they name known programmes and items and readable districts."""
    filters = rules.Filters.of(programmes, districts, items)
    catalogues = {
        code: {item.code for item in profile.catalogue.items} for code, profile in bundled_profiles().items()
    }
    rules.check_filters(actor, filters, catalogues)
    return filters


async def _active_fingerprints(
    session: AsyncSession, org_code: str, *, other_than: uuid.UUID | None = None
) -> list[str | None]:
    query = select(Subscription.fingerprint).where(
        Subscription.subscriber_code == org_code,
        Subscription.active == True,  # noqa: E712
    )
    if other_than is not None:
        query = query.where(Subscription.id != other_than)
    return list((await session.exec(query)).all())


async def _flush_unique(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            "an identical subscription was created at the same time",
            [FieldProblem("endpoint_url", "duplicate_subscription", "subscribe once per endpoint and types")],
        ) from None


def _described(subscription: Subscription) -> dict[str, object]:
    return {
        "channel": subscription.channel,
        "event_types": subscription.event_types,
        "endpoint_url": subscription.endpoint_url,
        "email_address": subscription.email_address,
        "programme_codes": subscription.programme_codes,
        "district_codes": subscription.district_codes,
        "item_codes": subscription.item_codes,
    }


async def create_subscription(
    session: AsyncSession,
    actor: Principal,
    command: SubscriptionCreate,
    *,
    now: datetime,
    policy: SubscriptionPolicy,
) -> Subscription:
    """Subscribe the caller's organisation; its kind and district are taken from the token."""
    channel = Channel(command.channel)
    check_target(channel, command.endpoint_url, command.email_address)
    rules.check_event_types(actor.org_kind, command.event_types, EVENT_TYPES)
    filters = checked_filters(actor, command.programme_codes, command.district_codes, command.item_codes)
    url = await check_endpoint(command.endpoint_url, policy) if channel is Channel.WEBHOOK else None
    email = command.email_address.lower() if command.email_address else None
    types = rules.normalised_types(command.event_types)
    fingerprint = rules.fingerprint(actor.org_code, channel, url or email or "", types, filters)
    active = await _active_fingerprints(session, actor.org_code)
    rules.check_not_duplicate({f for f in active if f}, fingerprint)
    rules.check_cap(len(active), policy.cap)
    subscription = Subscription(
        subscriber_code=actor.org_code,
        subscriber_kind=actor.org_kind.value,
        subscriber_district=actor.district_code,
        event_types=types,
        channel=channel.value,
        endpoint_url=url,
        email_address=email,
        programme_codes=filters.programme_codes,
        district_codes=filters.district_codes,
        item_codes=filters.item_codes,
        secret=new_secret(),
        fingerprint=fingerprint,
        created_at=now,
    )
    session.add(subscription)
    await _flush_unique(session)
    audit.record(
        session,
        actor,
        "subscription.created",
        "subscription",
        subscription.id,
        after=_described(subscription),
    )
    return subscription


async def update_subscription(
    session: AsyncSession,
    actor: Principal,
    subscription_id: uuid.UUID,
    command: SubscriptionUpdate,
    *,
    policy: SubscriptionPolicy,
) -> Subscription:
    """Change an active subscription's event types, filters or destination (only the fields sent),
    with the same checks as a new one; its signing secret and delivery log stay.

    Raises:
        NotFound: not the caller's subscription (the office reads every one, only owners change).
        Conflict: it has ended (`subscription_active`), or the change makes it identical to another.
        RuleViolation: a refused type, filter or destination, naming the field.
    """
    subscription = await get_subscription(session, actor, subscription_id, for_update=True)
    if subscription.subscriber_code != actor.org_code:
        raise NotFoundError(f"no subscription {subscription_id}")
    if not subscription.active:
        raise Conflict(
            "an ended subscription cannot change; create a new one",
            [FieldProblem("subscription", "subscription_active", subscription.disabled_reason or "ended")],
        )
    sent = command.model_fields_set
    channel = Channel(subscription.channel)
    before = _described(subscription)
    types = rules.normalised_types(command.event_types) if command.event_types else subscription.event_types
    rules.check_event_types(actor.org_kind, types, EVENT_TYPES)
    filters = checked_filters(
        actor,
        command.programme_codes if "programme_codes" in sent else subscription.programme_codes,
        command.district_codes if "district_codes" in sent else subscription.district_codes,
        command.item_codes if "item_codes" in sent else subscription.item_codes,
    )
    url, email = subscription.endpoint_url, subscription.email_address
    if command.endpoint_url is not None or command.email_address is not None:
        check_target(
            channel, command.endpoint_url or url, command.email_address or email
        )  # a channel's other field stays refused
        if command.endpoint_url is not None:
            url = await check_endpoint(command.endpoint_url, policy)
        if command.email_address is not None:
            email = command.email_address.lower()
    fingerprint = rules.fingerprint(actor.org_code, channel, url or email or "", types, filters)
    others = await _active_fingerprints(session, actor.org_code, other_than=subscription.id)
    rules.check_not_duplicate({f for f in others if f}, fingerprint)
    subscription.event_types = types
    subscription.programme_codes = filters.programme_codes
    subscription.district_codes = filters.district_codes
    subscription.item_codes = filters.item_codes
    subscription.endpoint_url, subscription.email_address = url, email
    subscription.fingerprint = fingerprint
    session.add(subscription)
    await _flush_unique(session)
    after = _described(subscription)
    if after != before:
        audit.record(
            session,
            actor,
            "subscription.changed",
            "subscription",
            subscription.id,
            before=before,
            after=after,
        )
    return subscription


def sees_all(actor: Principal) -> bool:
    """The leading-group office oversees every organisation's subscriptions."""
    return actor.org_kind is OrganisationKind.OFFICE


async def list_subscriptions(session: AsyncSession, actor: Principal) -> list[Subscription]:
    query = select(Subscription).order_by(col(Subscription.created_at))
    if not sees_all(actor):
        query = query.where(Subscription.subscriber_code == actor.org_code)
    return list((await session.exec(query)).all())


async def get_subscription(
    session: AsyncSession, actor: Principal, subscription_id: uuid.UUID, *, for_update: bool = False
) -> Subscription:
    """The subscription, if the caller may see it (else NotFound, so ids cannot be probed)."""
    subscription = await session.get(Subscription, subscription_id, with_for_update=for_update)
    if subscription is None or not (sees_all(actor) or subscription.subscriber_code == actor.org_code):
        raise NotFoundError(f"no subscription {subscription_id}")
    return subscription


async def rotate_secret(
    session: AsyncSession, actor: Principal, subscription_id: uuid.UUID, *, now: datetime, overlap_s: float
) -> SecretRotated:
    """A new signing secret; the old one keeps signing alongside it for `overlap_s`, so receivers
    can switch without losing a webhook."""
    subscription = await get_subscription(session, actor, subscription_id, for_update=True)
    if subscription.subscriber_code != actor.org_code:
        raise NotFoundError(f"no subscription {subscription_id}")  # the office reads, only owners rotate
    until = now + timedelta(seconds=overlap_s)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = until
    subscription.secret = new_secret()
    session.add(subscription)
    audit.record(session, actor, "subscription.secret_rotated", "subscription", subscription.id)
    return SecretRotated(id=subscription.id, secret=subscription.secret, previous_secret_valid_until=until)


async def unsubscribe(
    session: AsyncSession, actor: Principal, subscription_id: uuid.UUID, *, now: datetime
) -> Subscription:
    """End a subscription: nothing more is sent and its pending deliveries stop (kept in the log)."""
    subscription = await get_subscription(session, actor, subscription_id, for_update=True)
    if subscription.subscriber_code != actor.org_code:
        raise NotFoundError(f"no subscription {subscription_id}")
    if subscription.active:
        subscription.active = False
        subscription.fingerprint = None
        subscription.disabled_reason = "unsubscribed"
        subscription.disabled_at = now
        session.add(subscription)
        audit.record(session, actor, "subscription.ended", "subscription", subscription.id)
    return subscription

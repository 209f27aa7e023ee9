"""The webhook delivery worker: sends stored deliveries by id, signed, with bounded retries.

A delivery is leased (its next attempt pushed past the request timeout) in a short transaction
before it is sent, so replicas never send the same one at once and no lock is held over HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.models import Delivery, DeliveryState, Subscription
from services.notification.retry_policy import Outcome, after_attempt, backoff_s
from services.notification.settings import NotificationSettings
from services.notification.signing import sign
from shared.clock import utcnow
from shared.contracts.envelope import CONTENT_TYPE

log = logging.getLogger(__name__)


async def run_delivery_worker(runtime: object) -> None:
    """Deliver due webhooks until cancelled."""
    settings: NotificationSettings = runtime.settings  # type: ignore[attr-defined]
    sessions: async_sessionmaker[AsyncSession] = runtime.sessions  # type: ignore[attr-defined]
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_s) as client:
        while True:
            sent = await deliver_due(sessions, client, settings)
            if sent == 0:
                await asyncio.sleep(settings.delivery_poll_interval_s)


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    settings: NotificationSettings,
) -> int:
    """Lease, send and record one batch of due deliveries; returns how many were attempted."""
    leased = await _lease_due(sessions, settings)
    if not leased:
        return 0
    statuses = await asyncio.gather(*(_post(client, d, s) for d, s in leased))
    async with sessions() as session, session.begin():
        for (delivery, _), (status, error) in zip(leased, statuses, strict=True):
            await _record(session, delivery, status, error, settings)
    return len(leased)


async def _lease_due(
    sessions: async_sessionmaker[AsyncSession], settings: NotificationSettings
) -> list[tuple[Delivery, Subscription]]:
    now = utcnow()
    lease_until = now + timedelta(seconds=settings.webhook_timeout_s * 2 + 5)
    async with sessions() as session, session.begin():
        rows = (
            await session.exec(
                select(Delivery, Subscription)
                .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
                .where(Delivery.state == DeliveryState.PENDING, Delivery.next_attempt_at <= now)
                .order_by(col(Delivery.created_at))
                .limit(settings.delivery_batch_size)
                .with_for_update(skip_locked=True, of=Delivery)
            )
        ).all()
        if rows:
            await session.exec(
                update(Delivery)
                .where(col(Delivery.id).in_([d.id for d, _ in rows]))
                .values(next_attempt_at=lease_until)
            )
    return [(d, s) for d, s in rows]


async def _post(
    client: httpx.AsyncClient, delivery: Delivery, subscription: Subscription
) -> tuple[int | None, str | None]:
    body = delivery.content.encode()
    timestamp = int(time.time())
    headers = {
        "content-type": CONTENT_TYPE,
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(subscription.secret, delivery.event_id, timestamp, body),
    }
    try:
        response = await client.post(subscription.endpoint_url, content=body, headers=headers)
        return response.status_code, None if response.is_success else response.text[:500]
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


async def _record(
    session: AsyncSession,
    delivery: Delivery,
    status: int | None,
    error: str | None,
    settings: NotificationSettings,
) -> None:
    attempts = delivery.attempts + 1
    outcome = after_attempt(status, attempts, settings.delivery_max_attempts)
    values: dict[str, object] = {"attempts": attempts, "last_status": status, "last_error": error}
    if outcome is Outcome.DELIVERED:
        values |= {"state": DeliveryState.DELIVERED, "delivered_at": utcnow()}
    elif outcome is Outcome.FAILED:
        values |= {"state": DeliveryState.FAILED}
        log.warning("delivery %s failed for good after %d attempts: %s", delivery.id, attempts, error)
    else:
        delay = backoff_s(attempts, settings.delivery_backoff_s)
        values |= {"next_attempt_at": utcnow() + timedelta(seconds=delay)}
    await session.exec(update(Delivery).where(col(Delivery.id) == delivery.id).values(**values))

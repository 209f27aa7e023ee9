"""Tell one organisation something from the platform: an inbox item, and the same notice on its
own push channels (e-mail, and webhooks where asked), stored first and sent by the worker."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain.channels import Channel
from services.notification.handlers import inbox
from services.notification.models import Delivery, DeliveryState, Subscription
from shared.contracts.envelope import CloudEvent


async def tell(
    session: AsyncSession,
    org_code: str,
    notice: CloudEvent,
    *,
    now: datetime,
    channels: Collection[Channel] = (Channel.EMAIL,),
    skip: uuid.UUID | None = None,
) -> int:
    """Put the notice in the organisation's inbox and queue it to each of its active subscriptions
    on `channels` (except `skip`, e.g. the endpoint just disabled); returns how many were queued."""
    inbox.add_notice(
        session,
        org_code,
        key=notice.id,
        title=f"【老旧小区改造】{notice.data['title_zh']}",
        body=str(notice.data["body_zh"]),
        now=now,
    )
    wanted = [c.value for c in channels]
    targets = (
        await session.exec(
            select(Subscription).where(
                Subscription.subscriber_code == org_code,
                Subscription.active == True,  # noqa: E712
            )
        )
    ).all()
    content = notice.to_bytes().decode()
    queued = 0
    for subscription in targets:
        if subscription.channel not in wanted or subscription.id == skip:
            continue
        session.add(
            Delivery(
                subscription_id=subscription.id,
                event_id=notice.id,
                event_type=notice.type,
                content=content,
                state=DeliveryState.PENDING,
                created_at=now,
                next_attempt_at=now,
            )
        )
        queued += 1
    return queued

"""An endpoint disabled (410 at once, or failing for days) is told to its owner in the inbox and
by e-mail, sent through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

from datetime import timedelta

import httpx

from services.notification.channels.email import EmailSender
from services.notification.channels.webhook import WebhookSender
from services.notification.domain.notices import ENDPOINT_DISABLED
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import RetryPolicy, lease_due, record_attempt
from services.notification.models import Delivery, DeliveryState, InboxItem, Subscription
from shared.outbound import Allowlist
from tests.handlers.notification.helpers import ACCEPTED, accepted, stub_resolver, subscribe
from tests.handlers.notification.test_email_channel import send_due, smtp  # noqa: F401

SCHEDULE = (5.0, 300.0, 1800.0)


async def _world(harness_for, status: int):  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    await subscribe(harness, "finance", [ACCEPTED], channel="email", email="ops@finance.gov.cn")
    await harness.deliver(accepted(), event_id="evt-1")
    webhook = WebhookSender(
        harness.mock_webhooks(lambda r: httpx.Response(status)),
        timeout_s=5,
        allowlist=Allowlist(),
        require_https=False,
        resolver=stub_resolver,
    )
    return harness, hook, webhook


async def _send_webhooks(harness, webhook, policy) -> None:  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    leased = await harness.run(lambda s: lease_due(s, now=now, lease_s=30, limit=10))
    for delivery in leased:
        if delivery.channel != "webhook":
            continue
        result = await webhook.send(delivery, now)
        await harness.run(lambda s, d=delivery, r=result: record_attempt(s, d, r, now=now, policy=policy))
        # the e-mail delivery stays leased; free it for the SMTP pass
    await harness.run(lambda s: _unlease(s, now))


async def _unlease(session, now) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    await session.exec(
        update(Delivery).where(Delivery.state == DeliveryState.PENDING).values(next_attempt_at=now)
    )


async def test_gone_disables_at_once_and_tells_the_owner_by_inbox_and_email(harness_for, smtp) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    mailbox, port = smtp
    harness, hook, webhook = await _world(harness_for, 410)
    await _send_webhooks(harness, webhook, RetryPolicy(SCHEDULE, 0.0))
    stored = {s.id: s for s in await harness.all(Subscription)}
    assert not stored[hook.id].active
    (notice,) = [i for i in await harness.all(InboxItem) if i.event_type == "notification.notice"]
    assert notice.org_code == "finance" and "HTTP 410" in notice.body and str(hook.id) in notice.body
    queued = [d for d in await harness.all(Delivery) if d.event_type == ENDPOINT_DISABLED]
    assert len(queued) == 1 and queued[0].subscription_id != hook.id  # to the mailbox, not the dead hook

    sender = EmailSender(hostname="127.0.0.1", port=port, sender="noreply@renovation.local", timeout_s=5)
    assert DeliveryState.DELIVERED in await send_due(harness, sender)
    told = [m for m in mailbox.messages if m["X-Renovation-Event-Id"] == f"disabled:{hook.id}"]
    assert len(told) == 1 and told[0]["Subject"] == "【老旧小区改造】Webhook 端点已停用"
    body = told[0].get_content()
    assert "HTTP 410" in body and "https://finance.example.org/hook" in body and "重放" in body


async def test_failing_for_the_configured_window_disables_and_tells_the_owner(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, hook, webhook = await _world(harness_for, 503)
    policy = RetryPolicy((5.0, 300.0, 1800.0), 0.0, disable_after_s=600)
    await _send_webhooks(harness, webhook, policy)  # first failure at t0
    for delay in (5.0, 300.0):
        harness.clock.advance(timedelta(seconds=delay))
        await _send_webhooks(harness, webhook, policy)
    assert all(s.active for s in await harness.all(Subscription))  # failing 305 s < 600 s
    harness.clock.advance(timedelta(seconds=1800))
    await _send_webhooks(harness, webhook, policy)
    stored = {s.id: s for s in await harness.all(Subscription)}
    assert not stored[hook.id].active
    assert stored[hook.id].disabled_reason == "endpoint disabled: no delivery succeeded for 0.00694444 days"
    notices = [d for d in await harness.all(Delivery) if d.event_type == ENDPOINT_DISABLED]
    assert len(notices) == 1


async def test_a_quiet_endpoint_failing_once_is_not_disabled(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Days without a message are not days of failure: the window counts from the first failure."""
    harness, hook, webhook = await _world(harness_for, 503)
    harness.clock.advance(timedelta(days=30))
    await harness.deliver(accepted(), event_id="evt-late")
    policy = RetryPolicy(SCHEDULE, 0.0, disable_after_s=600)
    await _send_webhooks(harness, webhook, policy)
    assert all(s.active for s in await harness.all(Subscription))

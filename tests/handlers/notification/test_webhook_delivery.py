"""Webhook delivery on SQLite through a fake HTTP channel: signed, pinned to the checked address,
retried on the schedule, honouring Retry-After, 410 disables, refused destinations never sent,
only a short status line kept, manual retry and replay."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx

from services.notification.channels.webhook import WebhookSender
from services.notification.channels.webhook_post import PostFailed
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import (
    RetryPolicy,
    lease_due,
    list_deliveries,
    record_attempt,
    replay,
    retry_delivery,
)
from services.notification.models import Delivery, DeliveryAttempt, DeliveryState, Subscription
from services.notification.signing import verify
from shared.outbound import Allowlist
from tests.handlers.harness import DEFAULT_NOW, ServiceHarness
from tests.handlers.notification.helpers import ACCEPTED, ORGS, PUBLIC, accepted, stub_resolver, subscribe
from tests.support.fake_poster import MockPoster

SCHEDULE = (5.0, 300.0, 1800.0)
POLICY = RetryPolicy(SCHEDULE, jitter=0.0)
LEASE_S = 30.0


async def world(harness_for, respond, url: str | None = None):  # type: ignore[no-untyped-def]
    harness: ServiceHarness = await harness_for("notification", SUBSCRIPTIONS)
    subscription = await subscribe(harness, "finance", [ACCEPTED], url=url)
    await harness.deliver(accepted(), event_id="evt-1")
    sender = WebhookSender(
        harness.mock_webhooks(respond),
        timeout_s=5,
        allowlist=Allowlist(),
        require_https=False,
        resolver=stub_resolver,
    )
    return harness, subscription, sender


async def attempt(
    harness: ServiceHarness, sender: WebhookSender, policy: RetryPolicy = POLICY
) -> list[DeliveryState]:
    """Lease what is due now, send it, record it: one pass of the worker."""
    now = harness.clock.now()
    leased = await harness.run(lambda s: lease_due(s, now=now, lease_s=LEASE_S, limit=10))
    states = []
    for delivery in leased:
        result = await sender.send(delivery, now)
        states.append(
            await harness.run(lambda s, d=delivery, r=result: record_attempt(s, d, r, now=now, policy=policy))
        )
    return states


async def only_delivery(harness: ServiceHarness) -> Delivery:
    (delivery,) = await harness.all(Delivery)
    return delivery


async def test_a_delivery_is_signed_and_sent_to_the_checked_address(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, subscription, sender = await world(harness_for, lambda r: httpx.Response(204))
    assert await attempt(harness, sender) == [DeliveryState.DELIVERED]
    (request,) = harness.http_requests
    assert request.url.host == PUBLIC and request.headers["host"] == "finance.example.org"
    assert request.headers["webhook-id"] == "evt-1"
    stamp = int(request.headers["webhook-timestamp"])
    assert stamp == int(DEFAULT_NOW.timestamp())
    assert verify(
        subscription.secret, "evt-1", stamp, request.content, request.headers["webhook-signature"], now=stamp
    )
    delivery = await only_delivery(harness)
    assert delivery.delivered_at == DEFAULT_NOW and delivery.last_error is None and delivery.attempts == 1


async def test_a_server_error_is_retried_on_the_schedule_and_keeps_only_a_status_line(harness_for) -> None:  # type: ignore[no-untyped-def]
    secret_page = "<html>internal admin console: password=hunter2</html>"
    harness, _, sender = await world(harness_for, lambda r: httpx.Response(500, text=secret_page))
    assert await attempt(harness, sender) == [DeliveryState.PENDING]
    delivery = await only_delivery(harness)
    assert delivery.last_error == "HTTP 500" and delivery.last_status == 500
    assert delivery.next_attempt_at == DEFAULT_NOW + timedelta(seconds=5)
    assert await attempt(harness, sender) == []  # not due yet: nothing is sent
    for delay in SCHEDULE:
        harness.clock.advance(timedelta(seconds=delay))
        await attempt(harness, sender)
    delivery = await only_delivery(harness)
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == len(SCHEDULE) + 1
    assert len(harness.http_requests) == len(SCHEDULE) + 1
    attempts = await harness.all(DeliveryAttempt)
    assert [a.status_line for a in attempts] == ["HTTP 500"] * 4
    listed = await harness.run(lambda s: list_deliveries(s, ORGS["finance"], state=DeliveryState.FAILED))
    assert [d.id for d in listed] == [delivery.id]  # exhausted messages are listed
    assert all(secret_page not in str(v) for d in listed for v in d.model_dump().values())


async def test_too_many_requests_waits_for_retry_after(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, _, sender = await world(
        harness_for, lambda r: httpx.Response(429, headers={"Retry-After": "120"})
    )
    await attempt(harness, sender)
    delivery = await only_delivery(harness)
    assert delivery.state == DeliveryState.PENDING
    assert delivery.next_attempt_at == DEFAULT_NOW + timedelta(seconds=120)  # not the scheduled 5 s


async def test_gone_disables_the_endpoint(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, subscription, sender = await world(harness_for, lambda r: httpx.Response(410))
    await harness.deliver(accepted(), event_id="evt-2")
    now = harness.clock.now()
    leased = await harness.run(lambda s: lease_due(s, now=now, lease_s=LEASE_S, limit=1))
    result = await sender.send(leased[0], now)
    await harness.run(lambda s: record_attempt(s, leased[0], result, now=now, policy=POLICY))
    (stored,) = await harness.all(Subscription)
    assert not stored.active and stored.disabled_reason == "endpoint disabled: HTTP 410"
    assert {d.state for d in await harness.all(Delivery)} == {DeliveryState.FAILED}
    assert len(harness.http_requests) == 1  # the other delivery is never sent
    await harness.deliver(accepted(), event_id="evt-3")
    assert len(await harness.all(Delivery)) == 2  # a disabled endpoint gets no new deliveries


async def test_a_redirect_is_not_followed(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, _, sender = await world(
        harness_for, lambda r: httpx.Response(302, headers={"Location": "http://169.254.169.254/"})
    )
    assert await attempt(harness, sender) == [DeliveryState.FAILED]
    assert len(harness.http_requests) == 1 and harness.http_requests[0].url.host == PUBLIC
    assert (await only_delivery(harness)).last_error == "HTTP 302 (redirect not followed)"


async def test_a_destination_that_now_resolves_internally_is_never_sent(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, subscription, sender = await world(harness_for, lambda r: httpx.Response(204))

    async def rebound(session):  # type: ignore[no-untyped-def]
        row = await session.get(Subscription, subscription.id)
        row.endpoint_url = "https://hooks.evil.example/hook"  # the name now points inside
        session.add(row)

    await harness.run(rebound)
    assert await attempt(harness, sender) == [DeliveryState.FAILED]
    assert harness.http_requests == []
    delivery = await only_delivery(harness)
    assert delivery.last_error == "refused: private_address" and delivery.last_status is None
    (logged,) = await harness.all(DeliveryAttempt)
    assert not logged.sent


async def test_network_faults_are_short_status_lines_and_retried(harness_for) -> None:  # type: ignore[no-untyped-def]
    faults = iter(
        [
            PostFailed("connection refused"),
            PostFailed("timeout"),
            PostFailed("connection reset"),
        ]
    )

    def respond(request: httpx.Request) -> httpx.Response:
        raise next(faults)

    harness, _, sender = await world(harness_for, respond)
    lines = []
    for delay in (0.0, *SCHEDULE[:2]):
        harness.clock.advance(timedelta(seconds=delay))
        await attempt(harness, sender)
        lines.append((await only_delivery(harness)).last_error)
    assert lines == ["connection refused", "timeout", "connection reset"]


async def test_a_leased_delivery_is_not_leased_again_until_the_lease_runs_out(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, _, _ = await world(harness_for, lambda r: httpx.Response(204))
    now = harness.clock.now()
    first = await harness.run(lambda s: lease_due(s, now=now, lease_s=LEASE_S, limit=10))
    second = await harness.run(
        lambda s: lease_due(s, now=now + timedelta(seconds=LEASE_S - 1), limit=10, lease_s=LEASE_S)
    )
    third = await harness.run(
        lambda s: lease_due(s, now=now + timedelta(seconds=LEASE_S), limit=10, lease_s=LEASE_S)
    )
    assert len(first) == 1 and second == [] and [d.id for d in third] == [first[0].id]


async def test_a_failed_message_can_be_retried_by_hand_and_a_range_replayed(harness_for) -> None:  # type: ignore[no-untyped-def]
    statuses = iter([404, 204, 204])
    harness, subscription, sender = await world(harness_for, lambda r: httpx.Response(next(statuses)))
    assert await attempt(harness, sender) == [DeliveryState.FAILED]
    delivery = await only_delivery(harness)
    finance = ORGS["finance"]
    harness.clock.advance(timedelta(minutes=1))
    await harness.run(lambda s: retry_delivery(s, finance, delivery.id, now=harness.clock.now()))
    assert await attempt(harness, sender) == [DeliveryState.DELIVERED]
    requeued = await harness.run(
        lambda s: replay(
            s,
            finance,
            subscription.id,
            since=DEFAULT_NOW,
            until=DEFAULT_NOW + timedelta(hours=1),
            now=harness.clock.now(),
        )
    )
    assert requeued == 1
    assert await attempt(harness, sender) == [DeliveryState.DELIVERED]
    assert len(harness.http_requests) == 3
    assert await harness.audit_actions() == [
        "subscription.created",
        "delivery.retried",
        "subscription.replayed",
    ]


async def test_a_slow_receiver_is_cut_at_the_deadline(harness_for) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(204)

    harness: ServiceHarness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    await harness.deliver(accepted(), event_id="evt-slow")
    sender = WebhookSender(
        MockPoster(hang), timeout_s=0.3, allowlist=Allowlist(), require_https=False, resolver=stub_resolver
    )
    now = harness.clock.now()
    (leased,) = await harness.run(lambda s: lease_due(s, now=now, lease_s=LEASE_S, limit=1))
    started = time.monotonic()
    result = await sender.send(leased, now)
    assert time.monotonic() - started < 2 and result.status_line == "timeout" and result.status is None


async def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(harness_for) -> None:  # type: ignore[no-untyped-def]
    from services.notification.handlers.subscriptions import rotate_secret

    harness, subscription, sender = await world(harness_for, lambda r: httpx.Response(204))
    old = subscription.secret
    now = harness.clock.now()
    rotated = await harness.run(
        lambda s: rotate_secret(s, ORGS["finance"], subscription.id, now=now, overlap_s=3600)
    )
    assert rotated.secret != old and rotated.previous_secret_valid_until == now + timedelta(hours=1)
    await attempt(harness, sender)
    (during,) = harness.http_requests
    stamp = int(during.headers["webhook-timestamp"])
    header = during.headers["webhook-signature"]
    assert len(header.split()) == 2
    for secret in (old, rotated.secret):
        assert verify(secret, "evt-1", stamp, during.content, header, now=stamp)

    harness.clock.advance(timedelta(hours=1, seconds=1))
    await harness.deliver(accepted(), event_id="evt-2")
    await attempt(harness, sender)
    after = harness.http_requests[-1]
    stamp = int(after.headers["webhook-timestamp"])
    header = after.headers["webhook-signature"]
    assert len(header.split()) == 1
    assert verify(rotated.secret, "evt-2", stamp, after.content, header, now=stamp)
    assert not verify(old, "evt-2", stamp, after.content, header, now=stamp)
    assert await harness.audit_actions() == ["subscription.created", "subscription.secret_rotated"]


async def test_only_the_owner_rotates_a_secret(harness_for) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from services.notification.handlers.subscriptions import rotate_secret
    from shared.errors import NotFound

    harness, subscription, _ = await world(harness_for, lambda r: httpx.Response(204))
    for other in ("office", "jinshui"):
        with pytest.raises(NotFound):
            await harness.run(
                lambda s, o=other: rotate_secret(s, ORGS[o], subscription.id, now=DEFAULT_NOW, overlap_s=60)
            )


async def test_an_endpoint_failing_for_days_is_disabled_and_its_owner_told(harness_for) -> None:  # type: ignore[no-untyped-def]
    from services.notification.models import InboxItem

    harness, subscription, sender = await world(harness_for, lambda r: httpx.Response(503))
    policy = RetryPolicy(SCHEDULE, jitter=0.0, disable_after_s=600)

    await attempt(harness, sender, policy)
    for delay in SCHEDULE:
        harness.clock.advance(timedelta(seconds=delay))
        await attempt(harness, sender, policy)
    (stored,) = await harness.all(Subscription)
    assert (
        not stored.active
        and stored.disabled_reason == "endpoint disabled: no delivery succeeded for 0.00694444 days"
    )
    (notice,) = await harness.all(InboxItem)
    assert notice.org_code == "finance" and notice.title == "【老旧小区改造】Webhook 端点已停用"
    assert str(subscription.id) in notice.body


async def test_an_endpoint_that_recently_succeeded_stays_enabled(harness_for) -> None:  # type: ignore[no-untyped-def]
    statuses = iter([204, 503, 503, 503, 503])
    harness, _, sender = await world(harness_for, lambda r: httpx.Response(next(statuses)))
    policy = RetryPolicy(SCHEDULE, jitter=0.0, disable_after_s=3 * 3600)
    await attempt(harness, sender)
    await harness.deliver(accepted(), event_id="evt-2")
    for delay in (0.0, *SCHEDULE):
        harness.clock.advance(timedelta(seconds=delay))
        await attempt(harness, sender, policy)
    (stored,) = await harness.all(Subscription)
    assert stored.active
    assert {d.event_id: d.state for d in await harness.all(Delivery)} == {
        "evt-1": DeliveryState.DELIVERED,
        "evt-2": DeliveryState.FAILED,
    }


async def test_two_workers_leasing_at_once_never_take_the_same_delivery(harness_for) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    harness, _, _ = await world(harness_for, lambda r: httpx.Response(204))
    for n in range(2, 12):
        await harness.deliver(accepted(), event_id=f"evt-{n}")
    now = harness.clock.now()
    batches = await asyncio.gather(
        *(harness.run(lambda s: lease_due(s, now=now, lease_s=LEASE_S, limit=4)) for _ in range(4))
    )
    leased = [d.id for batch in batches for d in batch]
    assert len(leased) == len(set(leased)) == 11


async def test_the_answer_excerpt_is_for_the_owner_only_and_never_in_the_delivery_list(harness_for) -> None:  # type: ignore[no-untyped-def]
    from services.notification.handlers.deliveries import list_attempts

    answer = '{"error": "signature mismatch"}\n' + "x" * 500
    harness: ServiceHarness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    await harness.deliver(accepted(), event_id="evt-1")
    sender = WebhookSender(
        harness.mock_webhooks(lambda r: httpx.Response(400, text=answer)),
        timeout_s=5,
        allowlist=Allowlist(),
        require_https=False,
        resolver=stub_resolver,
        excerpt_chars=40,
    )
    await attempt(harness, sender)
    delivery = await only_delivery(harness)
    assert delivery.last_error == "HTTP 400"  # the list shows the platform's words only
    listed = await harness.run(lambda s: list_deliveries(s, ORGS["finance"]))
    assert all("signature" not in str(v) for d in listed for v in d.model_dump().values())
    (mine,) = await harness.run(lambda s: list_attempts(s, ORGS["finance"], delivery.id))
    assert mine.response_excerpt == '{"error": "signature mismatch"} xxxxxxxx'
    (overseen,) = await harness.run(lambda s: list_attempts(s, ORGS["office"], delivery.id))
    assert overseen.status_line == "HTTP 400" and overseen.response_excerpt is None

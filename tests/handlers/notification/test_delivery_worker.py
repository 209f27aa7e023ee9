"""The delivery worker on SQLite with a fake HTTP channel: a hanging endpoint does not delay a
healthy one, and each delivery is sent once although the worker keeps polling."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import httpx

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.models import Delivery, DeliveryState
from services.notification.settings import NotificationSettings
from services.notification.worker import run_delivery_worker
from tests.handlers.notification.helpers import ACCEPTED, PUBLIC, accepted, subscribe


async def test_a_hanging_endpoint_does_not_delay_a_healthy_one(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hanging = await subscribe(
        harness, "finance", [ACCEPTED], url="http://127.0.0.1:7001/hook", allow=["127.0.0.1:7001"]
    )
    healthy = await subscribe(
        harness, "office", [ACCEPTED], url="http://127.0.0.2:7002/hook", allow=["127.0.0.2:7002"]
    )
    await harness.deliver(accepted(), event_id="evt-1")
    sent: list[tuple[str, float]] = []

    async def respond(request: httpx.Request) -> httpx.Response:
        sent.append((request.url.host, time.monotonic()))
        if request.url.port == 7001:
            await asyncio.sleep(30)
        return httpx.Response(204)

    settings = NotificationSettings(
        environment="test",
        database_url=harness.url,
        notification_outbound_allowlist="127.0.0.1:7001,127.0.0.2:7002",
        webhook_timeout_s=10,
        delivery_poll_interval_s=0.02,
    )
    client = httpx.AsyncClient(transport=httpx.MockTransport(respond), follow_redirects=False)
    runtime = SimpleNamespace(
        settings=settings, unit_of_work=harness.unit_of_work, clock=harness.clock, http=client
    )
    started = time.monotonic()
    worker = asyncio.create_task(run_delivery_worker(runtime))  # type: ignore[arg-type]
    try:

        async def healthy_delivered() -> bool:
            rows = await harness.all(Delivery)
            return any(d.subscription_id == healthy.id and d.state == DeliveryState.DELIVERED for d in rows)

        while not await healthy_delivered():
            assert time.monotonic() - started < 3, "the healthy endpoint waited for the hanging one"
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # the worker keeps polling; the leased hanging one is not sent again
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        await client.aclose()
    hosts = [host for host, _ in sent]
    assert sorted(hosts) == ["127.0.0.1", "127.0.0.2"]
    (stuck,) = [d for d in await harness.all(Delivery) if d.subscription_id == hanging.id]
    assert stuck.state == DeliveryState.PENDING and stuck.attempts == 0  # leased, retried after the lease
    assert PUBLIC not in hosts

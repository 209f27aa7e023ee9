"""The delivery worker on SQLite with a fake HTTP channel: a hanging endpoint does not delay a
healthy one, and each delivery is sent once although the worker keeps polling."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import httpx

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.models import Delivery, DeliveryState
from services.notification.settings import NotificationSettings
from services.notification.worker import run_delivery_worker
from tests.handlers.notification.helpers import ACCEPTED, PUBLIC, accepted, subscribe
from tests.support.fake_poster import MockPoster


def worker_runtime(harness, respond, allowlist: str, **settings: Any):  # type: ignore[no-untyped-def]
    """The worker's runtime on the harness's database and clock, its HTTP through `respond`
    (polling every 20 ms); returns it and the poster to pass to the worker."""
    config = NotificationSettings(
        environment="test",
        database_url=harness.url,
        notification_outbound_allowlist=allowlist,
        delivery_poll_interval_s=0.02,
        **settings,
    )
    runtime = SimpleNamespace(settings=config, unit_of_work=harness.unit_of_work, clock=harness.clock)
    return runtime, MockPoster(respond)


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

    runtime, poster = worker_runtime(harness, respond, "127.0.0.1:7001,127.0.0.2:7002", webhook_timeout_s=10)
    started = time.monotonic()
    worker = asyncio.create_task(run_delivery_worker(runtime, poster))  # type: ignore[arg-type]
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
    hosts = [host for host, _ in sent]
    assert sorted(hosts) == ["127.0.0.1", "127.0.0.2"]
    (stuck,) = [d for d in await harness.all(Delivery) if d.subscription_id == hanging.id]
    assert stuck.state == DeliveryState.PENDING and stuck.attempts == 0  # leased, retried after the lease
    assert PUBLIC not in hosts


async def test_one_endpoints_backlog_is_leased_in_batches_and_each_sent_once(
    harness_for, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The worker leases a round ahead: a freed slot starts a waiting delivery without a lease of
    its own, the endpoint never has more than its share in flight, and nothing is sent twice."""
    from services.notification import worker as worker_module

    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(
        harness, "office", [ACCEPTED], url="http://127.0.0.2:7002/hook", allow=["127.0.0.2:7002"]
    )
    for n in range(40):
        await harness.deliver(accepted(), event_id=f"evt-{n}")
    in_flight, most, ids = 0, 0, []

    async def respond(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        ids.append(request.headers["webhook-id"])
        await asyncio.sleep(0.003 * (1 + len(ids) % 4))  # staggered: slots free one at a time
        in_flight -= 1
        return httpx.Response(204)

    leases: list[int] = []
    real_lease = worker_module.lease_due

    async def counting_lease(*args, **kwargs):  # type: ignore[no-untyped-def]
        leased = await real_lease(*args, **kwargs)
        if leased:
            leases.append(len(leased))
        return leased

    monkeypatch.setattr(worker_module, "lease_due", counting_lease)
    runtime, poster = worker_runtime(
        harness,
        respond,
        "127.0.0.2:7002",
        delivery_concurrency_per_endpoint=4,
        delivery_lease_interval_s=0.05,
    )
    worker = asyncio.create_task(run_delivery_worker(runtime, poster))  # type: ignore[arg-type]
    try:
        started = time.monotonic()
        while sum(d.state == DeliveryState.DELIVERED for d in await harness.all(Delivery)) < 40:
            assert time.monotonic() - started < 20, "the backlog was not delivered"
            await asyncio.sleep(0.02)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert sorted(ids) == sorted(f"evt-{n}" for n in range(40))  # each once
    assert most <= 4
    assert all(n <= 8 for n in leases)  # at most a round ahead: 4 in flight and 4 waiting
    assert len(leases) <= 13  # not one lease per freed slot (one each: about 20 here)
    assert {d.attempts for d in await harness.all(Delivery) if d.subscription_id == hook.id} == {1}

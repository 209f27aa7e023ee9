"""Every finished delivery attempt is counted once in notification_delivery_attempts_total, by
channel and outcome, after its record is committed (issue 12)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from prometheus_client import REGISTRY

from services.notification import worker
from services.notification.domain.attempts import AttemptResult
from services.notification.domain.retry import Outcome
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import LeasedDelivery, RetryPolicy, lease_due
from services.notification.models import DeliveryState
from tests.handlers.notification.helpers import ACCEPTED, accepted, subscribe

OUTCOMES = ("delivered", "retry", "failed", "refused", "unrecorded")
CHANNELS = ("webhook", "email")


def counts() -> dict[tuple[str, str], float]:
    return {
        (channel, outcome): REGISTRY.get_sample_value(
            "notification_delivery_attempts_total", {"channel": channel, "outcome": outcome}
        )
        or 0.0
        for channel in CHANNELS
        for outcome in OUTCOMES
    }


def delta(before: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    after = counts()
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


async def _record_all(
    harness: Any, result_for: Callable[[LeasedDelivery], AttemptResult]
) -> list[DeliveryState | None]:
    """Lease every due delivery and have the worker's recorder record `result_for` each."""
    leased = await harness.run(lambda s: lease_due(s, now=harness.clock.now(), lease_s=30, limit=50))
    runtime = SimpleNamespace(unit_of_work=harness.unit_of_work, clock=harness.clock)
    recorder = worker.AttemptRecorder(runtime, RetryPolicy((5.0,), 0.0))  # type: ignore[arg-type]
    running = asyncio.create_task(recorder.run())
    try:
        return await asyncio.gather(*(recorder.record(d, result_for(d)) for d in leased))
    finally:
        running.cancel()


async def test_attempts_are_counted_by_channel_and_outcome(harness_for: Any) -> None:
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])  # webhook
    await subscribe(harness, "office", [ACCEPTED], channel="email", email="ops@zz.gov.cn")
    for i in range(4):
        await harness.deliver(accepted(), event_id=f"e{i}")
    by_event = {
        "e0": (AttemptResult(204, "HTTP 204"), AttemptResult(None, "250 OK", outcome=Outcome.DELIVERED)),
        "e1": (AttemptResult(503, "HTTP 503"), AttemptResult(None, "SMTP 421", outcome=Outcome.RETRY)),
        "e2": (AttemptResult(400, "HTTP 400"), AttemptResult(None, "SMTP 550", outcome=Outcome.FAILED)),
        "e3": (
            AttemptResult(None, "refused: private_address", sent=False),
            AttemptResult(None, "SMTP 250", outcome=Outcome.DELIVERED),
        ),
    }

    def result_for(delivery: LeasedDelivery) -> AttemptResult:
        webhook, email = by_event[delivery.event_id]
        return webhook if delivery.channel == "webhook" else email

    before = counts()
    states = await _record_all(harness, result_for)
    assert len(states) == 8
    assert delta(before) == {
        ("webhook", "delivered"): 1,
        ("webhook", "retry"): 1,
        ("webhook", "failed"): 1,
        ("webhook", "refused"): 1,
        ("email", "delivered"): 2,
        ("email", "retry"): 1,
        ("email", "failed"): 1,
    }


async def test_a_replayed_batch_counts_each_attempt_once_and_a_lost_record_as_unrecorded(
    harness_for: Any, monkeypatch: Any
) -> None:
    """One record failing rolls its batch back; the batch is recorded again one attempt at a time.
    The attempts recorded in the rolled-back batch must not be counted twice."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    for i in range(5):
        await harness.deliver(accepted(), event_id=f"e{i}")
    real = worker.record_attempts

    async def flaky(session: Any, batch: list[tuple[LeasedDelivery, AttemptResult]], **kwargs: Any) -> Any:
        if any(delivery.event_id == "e3" for delivery, _ in batch):
            raise RuntimeError("database hiccup")
        return await real(session, batch, **kwargs)

    monkeypatch.setattr(worker, "record_attempts", flaky)
    before = counts()
    states = await _record_all(harness, lambda d: AttemptResult(204, "HTTP 204"))
    assert states.count(DeliveryState.DELIVERED) == 4 and states.count(None) == 1
    assert delta(before) == {("webhook", "delivered"): 4, ("webhook", "unrecorded"): 1}

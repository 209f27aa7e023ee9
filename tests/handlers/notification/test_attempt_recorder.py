"""Attempts are recorded in batches (one transaction for all that finished meanwhile); a batch
that fails is recorded one attempt at a time, so one bad record never loses the others."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from sqlalchemy import event

from services.notification import worker
from services.notification.domain.attempts import AttemptResult
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import RetryPolicy, lease_due
from services.notification.models import Delivery, DeliveryAttempt, DeliveryState
from tests.handlers.notification.helpers import ACCEPTED, accepted, subscribe


class CountingUnitOfWork:
    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.opened = 0

    def __call__(self):  # type: ignore[no-untyped-def]
        self.opened += 1
        return self.inner()


async def _leased(harness, n: int):  # type: ignore[no-untyped-def]
    await subscribe(harness, "finance", [ACCEPTED])
    for i in range(n):
        await harness.deliver(accepted(), event_id=f"e{i}")
    now = harness.clock.now()
    return await harness.run(lambda s: lease_due(s, now=now, lease_s=30, limit=n))


async def test_many_finished_attempts_share_few_transactions(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    leased = await _leased(harness, 30)
    counting = CountingUnitOfWork(harness.unit_of_work)
    runtime = SimpleNamespace(unit_of_work=counting, clock=harness.clock)
    recorder = worker.AttemptRecorder(runtime, RetryPolicy((5.0,), 0.0))  # type: ignore[arg-type]
    running = asyncio.create_task(recorder.run())
    try:
        states = await asyncio.gather(*(recorder.record(d, AttemptResult(204, "HTTP 204")) for d in leased))
    finally:
        running.cancel()
    assert states == [DeliveryState.DELIVERED] * 30
    assert {d.state for d in await harness.all(Delivery)} == {DeliveryState.DELIVERED}
    assert len(await harness.all(DeliveryAttempt)) == 30
    assert counting.opened < 30  # grouped: one commit for many attempts


async def test_a_record_that_fails_does_not_lose_the_rest_of_its_batch(harness_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    leased = await _leased(harness, 6)
    bad = leased[2].id
    real = worker.record_attempts

    async def flaky(session, batch, **kwargs):  # type: ignore[no-untyped-def]
        if any(delivery.id == bad for delivery, _ in batch):
            raise RuntimeError("database hiccup")
        return await real(session, batch, **kwargs)

    monkeypatch.setattr(worker, "record_attempts", flaky)
    runtime = SimpleNamespace(unit_of_work=harness.unit_of_work, clock=harness.clock)
    recorder = worker.AttemptRecorder(runtime, RetryPolicy((5.0,), 0.0))  # type: ignore[arg-type]
    running = asyncio.create_task(recorder.run())
    try:
        states = await asyncio.gather(*(recorder.record(d, AttemptResult(204, "HTTP 204")) for d in leased))
    finally:
        running.cancel()
    assert states.count(DeliveryState.DELIVERED) == 5 and states[2] is None
    (stuck,) = [d for d in await harness.all(Delivery) if d.state != DeliveryState.DELIVERED]
    assert stuck.id == bad and stuck.state == DeliveryState.PENDING  # its lease runs out: sent again


async def test_a_batch_reads_its_deliveries_in_one_statement(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    leased = await _leased(harness, 20)
    reads: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "FROM delivery" in statement:
            reads.append(statement)

    event.listen(harness.engine.sync_engine, "before_cursor_execute", count)
    try:
        runtime = SimpleNamespace(unit_of_work=harness.unit_of_work, clock=harness.clock)
        recorder = worker.AttemptRecorder(runtime, RetryPolicy((5.0,), 0.0))  # type: ignore[arg-type]
        states = await recorder._record([(d, AttemptResult(204, "HTTP 204"), None) for d in leased])
    finally:
        event.remove(harness.engine.sync_engine, "before_cursor_execute", count)
    assert states == [DeliveryState.DELIVERED] * 20
    assert len(reads) == 1  # one locking read for the batch, not one per delivery


async def test_a_steady_stream_of_attempts_is_gathered_into_few_transactions(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Attempts finishing one by one, a little apart, still share commits: the gathering lane
    lingers for the next ones instead of committing each alone while other lanes are idle."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    leased = await _leased(harness, 10)
    counting = CountingUnitOfWork(harness.unit_of_work)
    runtime = SimpleNamespace(unit_of_work=counting, clock=harness.clock)
    recorder = worker.AttemptRecorder(runtime, RetryPolicy((5.0,), 0.0), linger_s=0.2)  # type: ignore[arg-type]
    running = asyncio.create_task(recorder.run())
    try:
        pending = []
        for delivery in leased:
            pending.append(asyncio.create_task(recorder.record(delivery, AttemptResult(204, "HTTP 204"))))
            await asyncio.sleep(0.005)
        states = await asyncio.gather(*pending)
    finally:
        running.cancel()
    assert states == [DeliveryState.DELIVERED] * 10
    assert counting.opened <= 2

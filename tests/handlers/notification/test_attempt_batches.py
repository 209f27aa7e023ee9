"""Recording a batch of attempts at once (`record_attempts`, what the worker's group commit runs):
each delivery moves on by its own outcome, one INSERT carries the attempts and one UPDATE each
kind of outcome, a delivery already recorded is left alone, and a 410 in the batch disables its
endpoint after every attempt of the batch is logged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from services.notification.domain.attempts import AttemptResult
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import LeasedDelivery, RetryPolicy, record_attempts
from services.notification.models import Delivery, DeliveryAttempt, DeliveryState, Subscription
from tests.handlers.harness import DEFAULT_NOW, ServiceHarness
from tests.handlers.notification.helpers import ACCEPTED, accepted, subscribe

POLICY = RetryPolicy((5.0, 300.0), jitter=0.0)
LATER = DEFAULT_NOW + timedelta(minutes=1)


def leased(row: Delivery) -> LeasedDelivery:
    return LeasedDelivery(row.id, row.subscription_id, row.event_id, b"{}", None, "secret", row.attempts)


async def stored(harness: ServiceHarness, n: int) -> list[Delivery]:
    for i in range(n):
        await harness.deliver(accepted(), event_id=f"evt-{i}")
    return sorted(await harness.all(Delivery), key=lambda d: d.event_id)


async def test_each_delivery_of_a_batch_moves_on_by_its_own_outcome_in_few_statements(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    rows = await stored(harness, 4)
    results = [
        AttemptResult(204, "HTTP 204", latency_ms=12),
        AttemptResult(503, "HTTP 503", retry_after_s=60, latency_ms=40),
        AttemptResult(None, "refused: private_address", sent=False),
        AttemptResult(201, "HTTP 201", latency_ms=7),
    ]
    writes: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writes.append(statement.split("(")[0].split(" SET ")[0].strip())

    event.listen(harness.engine.sync_engine, "before_cursor_execute", count)
    try:
        states = await harness.run(
            lambda s: record_attempts(
                s, [(leased(r), x) for r, x in zip(rows, results, strict=True)], now=LATER, policy=POLICY
            )
        )
    finally:
        event.remove(harness.engine.sync_engine, "before_cursor_execute", count)
    assert states == [
        DeliveryState.DELIVERED,
        DeliveryState.PENDING,
        DeliveryState.FAILED,
        DeliveryState.DELIVERED,
    ]
    after = {d.event_id: d for d in await harness.all(Delivery)}
    ok, later, refused, ok2 = (after[r.event_id] for r in rows)
    assert (ok.delivered_at, ok.last_error, ok.last_status, ok.attempts) == (LATER, None, 204, 1)
    assert ok2.delivered_at == LATER and ok2.last_status == 201
    assert later.next_attempt_at == LATER + timedelta(seconds=60) and later.delivered_at is None
    assert (later.last_error, later.last_attempt_at, later.attempts) == ("HTTP 503", LATER, 1)
    assert (refused.state, refused.last_error, refused.last_status) == (
        DeliveryState.FAILED,
        "refused: private_address",
        None,
    )
    assert refused.next_attempt_at == rows[2].next_attempt_at  # a failed one keeps its schedule
    logged = {a.delivery_id: a for a in await harness.all(DeliveryAttempt)}
    assert (logged[rows[0].id].latency_ms, logged[rows[1].id].status, logged[rows[2].id].sent) == (
        12,
        503,
        False,
    )
    assert all(a.attempted_at == LATER for a in logged.values())
    # one INSERT for the four attempts, one UPDATE per kind of outcome (delivered, retried, failed)
    assert sorted(writes) == ["INSERT INTO delivery_attempt", *["UPDATE delivery"] * 3]


async def test_a_delivery_twice_in_a_batch_is_recorded_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    (row,) = await stored(harness, 1)
    batch = [(leased(row), AttemptResult(204, "HTTP 204")), (leased(row), AttemptResult(500, "HTTP 500"))]
    states = await harness.run(lambda s: record_attempts(s, batch, now=LATER, policy=POLICY))
    assert states == [DeliveryState.DELIVERED, DeliveryState.DELIVERED]
    assert len(await harness.all(DeliveryAttempt)) == 1
    (after,) = await harness.all(Delivery)
    assert (after.state, after.attempts, after.last_status) == (DeliveryState.DELIVERED, 1, 204)


async def test_a_gone_endpoint_in_a_batch_is_disabled_after_its_batch_mates_are_logged(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    rows = await stored(harness, 3)
    batch = [
        (leased(rows[0]), AttemptResult(410, "HTTP 410")),
        (leased(rows[1]), AttemptResult(500, "HTTP 500")),
    ]
    states = await harness.run(lambda s: record_attempts(s, batch, now=LATER, policy=POLICY))
    assert states == [DeliveryState.FAILED, DeliveryState.PENDING]  # as each attempt left it
    assert len(await harness.all(DeliveryAttempt)) == 2  # both were sent: both are logged
    assert {d.state for d in await harness.all(Delivery)} == {DeliveryState.FAILED}  # then disabled
    (subscription,) = await harness.all(Subscription)
    assert subscription.id == hook.id and not subscription.active
    assert subscription.disabled_reason == "endpoint disabled: HTTP 410"


async def test_a_delivery_no_longer_pending_is_skipped_and_the_rest_of_the_batch_recorded(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    done, waiting = await stored(harness, 2)
    await harness.run(
        lambda s: record_attempts(
            s, [(leased(done), AttemptResult(204, "HTTP 204"))], now=DEFAULT_NOW, policy=POLICY
        )
    )
    batch = [
        (leased(done), AttemptResult(500, "HTTP 500")),
        (leased(waiting), AttemptResult(204, "HTTP 204")),
    ]
    states = await harness.run(lambda s: record_attempts(s, batch, now=LATER, policy=POLICY))
    assert states == [DeliveryState.DELIVERED, DeliveryState.DELIVERED]
    after = {d.id: d for d in await harness.all(Delivery)}
    assert (after[done.id].delivered_at, after[done.id].attempts) == (DEFAULT_NOW, 1)  # left as it was
    assert (after[waiting.id].delivered_at, after[waiting.id].attempts) == (LATER, 1)
    assert len(await harness.all(DeliveryAttempt)) == 2

"""Leasing due deliveries (`lease_due`) on SQLite: oldest first, only active subscriptions, at
most `limit`, each endpoint held to `per_endpoint` counting what the caller has in flight, what
a leased delivery carries, and the PostgreSQL lock the query takes (compiled, since SQLite has
no row locks)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import event, update
from sqlalchemy.dialects import postgresql

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import lease_due
from services.notification.models import Delivery, Subscription
from tests.handlers.harness import ServiceHarness
from tests.handlers.notification.helpers import ACCEPTED, accepted, subscribe

LEASE_S = 30.0


async def world(harness_for, orgs: tuple[str, ...] = ("finance",), events: int = 3):  # type: ignore[no-untyped-def]
    harness: ServiceHarness = await harness_for("notification", SUBSCRIPTIONS)
    subscriptions = [await subscribe(harness, org, [ACCEPTED]) for org in orgs]
    for n in range(events):
        await harness.deliver(accepted(), event_id=f"evt-{n}")
    return harness, subscriptions


async def due_in(harness: ServiceHarness, event_id: str, seconds: float) -> None:
    """Move one delivery's next attempt `seconds` from now (negative: due for longer)."""
    when = harness.clock.now() + timedelta(seconds=seconds)
    await harness.run(
        lambda s: s.exec(update(Delivery).where(Delivery.event_id == event_id).values(next_attempt_at=when))  # type: ignore[call-overload]
    )


async def lease(harness: ServiceHarness, limit: int = 10, **kwargs):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    return await harness.run(lambda s: lease_due(s, now=now, lease_s=LEASE_S, limit=limit, **kwargs))


async def test_the_longest_due_go_first_and_no_more_than_the_limit(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, _ = await world(harness_for, events=5)
    await due_in(harness, "evt-3", -60)
    await due_in(harness, "evt-1", -30)
    await due_in(harness, "evt-4", 5)  # not due yet
    first = await lease(harness, limit=2)
    assert [d.event_id for d in first] == ["evt-3", "evt-1"]
    rest = await lease(harness, limit=10)
    assert sorted(d.event_id for d in rest) == ["evt-0", "evt-2"]


async def test_equally_due_ones_go_in_the_order_they_were_stored(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, _ = await world(harness_for, events=3)
    later = harness.clock.now() + timedelta(seconds=1)
    await harness.run(
        lambda s: s.exec(update(Delivery).where(Delivery.event_id == "evt-0").values(created_at=later))  # type: ignore[call-overload]
    )
    assert [d.event_id for d in await lease(harness, limit=3)][-1] == "evt-0"


async def test_a_disabled_subscription_s_deliveries_are_not_leased(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, (finance, office) = await world(harness_for, orgs=("finance", "office"), events=2)
    await harness.run(
        lambda s: s.exec(update(Subscription).where(Subscription.id == office.id).values(active=False))  # type: ignore[call-overload]
    )
    leased = await lease(harness)
    assert {d.subscription_id for d in leased} == {finance.id} and len(leased) == 2


async def test_a_leased_delivery_carries_what_the_sender_needs(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, (finance,) = await world(harness_for, events=1)
    (leased,) = await lease(harness)
    (stored,) = await harness.all(Delivery)
    assert leased.id == stored.id and leased.subscription_id == finance.id
    assert leased.event_id == "evt-0" and leased.event_type == ACCEPTED
    assert leased.content == stored.content.encode() and leased.attempts == 0
    assert (leased.endpoint_url, leased.secret, leased.channel) == (
        finance.endpoint_url,
        finance.secret,
        "webhook",
    )
    assert leased.lease_until == harness.clock.now() + timedelta(seconds=LEASE_S)
    (after,) = await harness.all(Delivery)
    assert after.next_attempt_at == leased.lease_until


async def test_an_old_secret_signs_only_before_its_overlap_ends(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, (finance,) = await world(harness_for, events=1)
    now = harness.clock.now()

    async def previous_until(moment):  # type: ignore[no-untyped-def]
        await harness.run(
            lambda s: s.exec(  # type: ignore[call-overload]
                update(Subscription)
                .where(Subscription.id == finance.id)
                .values(previous_secret="whsec_old", previous_secret_until=moment)
            )
        )
        await due_in(harness, "evt-0", 0)
        (leased,) = await lease(harness)
        return leased.previous_secret

    assert await previous_until(now + timedelta(seconds=1)) == "whsec_old"
    assert await previous_until(now) is None  # the overlap ends at that instant


async def test_an_endpoint_gets_no_more_than_its_share_counting_what_is_in_flight(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, (finance, office) = await world(harness_for, orgs=("finance", "office"), events=4)
    first = await lease(harness, per_endpoint=1)
    assert sorted(d.subscription_id for d in first) == sorted([finance.id, office.id])
    busy = {finance.id: 3, office.id: 2}
    second = await lease(harness, per_endpoint=3, in_flight=busy)
    assert [d.subscription_id for d in second] == [office.id]  # finance is full: exactly its share
    third = await lease(harness, per_endpoint=3, in_flight={**busy, office.id: 3})
    assert third == []


async def test_the_lease_query_locks_only_delivery_rows_and_skips_locked_ones_on_postgresql(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness, _ = await world(harness_for, events=1)
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_select", False):
            statements.append(str(clauseelement.compile(dialect=postgresql.dialect())))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        await lease(harness, per_endpoint=2, in_flight={uuid.uuid4(): 2})
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)
    (query,) = [s for s in statements if "FROM delivery" in s]
    assert query.rstrip().endswith("FOR UPDATE OF delivery SKIP LOCKED")
    assert "JOIN subscription ON subscription.id = delivery.subscription_id" in query
    assert "delivery.subscription_id NOT IN" in query  # full endpoints are not even read


async def test_the_limit_holds_when_more_candidates_are_read_than_leased(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, _ = await world(harness_for, events=5)
    assert len(await lease(harness, limit=2, per_endpoint=10)) == 2  # twice the limit is read

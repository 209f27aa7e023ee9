"""The delivery log in commit order on SQLite (issue 10): a delivery is numbered when its transaction
commits, so one stored late with an early timestamp still comes after a reader's cursor. The race
itself (two transactions in flight at once) is proven on PostgreSQL in
tests/integration/test_notification_delivery_log_order_postgres.py; SQLite has one writer at a
time, so here the late commit is played in sequence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import list_deliveries
from services.notification.handlers.retention import purge_once
from services.notification.models import Delivery, DeliveryLogHead, DeliveryState
from services.notification.settings import NotificationSettings
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import ACCEPTED, ORGS, accepted, subscribe


async def read_on(harness, after: int | None, limit: int = 100) -> list[Delivery]:  # type: ignore[no-untyped-def]
    return await harness.run(lambda s: list_deliveries(s, ORGS["finance"], after=after, limit=limit))


async def test_a_delivery_stored_late_with_an_earlier_timestamp_is_not_skipped(harness_for) -> None:  # type: ignore[no-untyped-def]
    """The consumer stamps a delivery with the time its event was received; its transaction may
    commit after one stamped later. Ordered by (created_at, id), a reader whose cursor had passed
    the later one skipped it; ordered by commit, it is next."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    harness.clock.set(DEFAULT_NOW + timedelta(seconds=5))
    await harness.deliver(accepted(), event_id="committed-first")
    page = await read_on(harness, None)
    assert [d.event_id for d in page] == ["committed-first"]
    harness.clock.set(DEFAULT_NOW)  # received earlier, committed later
    await harness.deliver(accepted(), event_id="committed-late")
    rest = await read_on(harness, page[-1].seq)
    assert [d.event_id for d in rest] == ["committed-late"]
    assert rest[0].created_at < page[0].created_at


async def test_deliveries_are_numbered_at_commit_in_the_order_they_were_added(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    subscription = await subscribe(harness, "finance", [ACCEPTED])

    def row(event_id: str) -> Delivery:
        return Delivery(
            subscription_id=subscription.id,
            event_id=event_id,
            event_type=ACCEPTED,
            content="{}",
            state=DeliveryState.PENDING,
            created_at=DEFAULT_NOW,
            next_attempt_at=DEFAULT_NOW,
        )

    async def add_three(session):  # type: ignore[no-untyped-def]
        for event_id in ("a", "b", "c"):
            session.add(row(event_id))
        await session.flush()
        # inside the transaction the rows exist but have no place in the log yet
        assert (await session.exec(select(Delivery.seq))).all() == [None, None, None]

    await harness.run(add_three)

    async def rolled_back(session):  # type: ignore[no-untyped-def]
        session.add(row("never"))
        await session.flush()
        raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        await harness.run(rolled_back)
    await harness.run(lambda s: _add(s, row("d")))

    listed = await read_on(harness, None)
    assert [(d.event_id, d.seq) for d in listed] == [("a", 1), ("b", 2), ("c", 3), ("d", 4)]
    assert (await harness.all(DeliveryLogHead))[0].last_seq == 4
    assert [d.event_id for d in await read_on(harness, 2)] == ["c", "d"]


async def _add(session, delivery: Delivery) -> Delivery:  # type: ignore[no-untyped-def]
    session.add(delivery)
    return delivery


async def test_positions_never_go_back_after_the_newest_deliveries_are_purged(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    harness.clock.set(DEFAULT_NOW - timedelta(days=200))
    for n in range(3):
        await harness.deliver(accepted(), event_id=f"old{n}")
    harness.clock.set(DEFAULT_NOW)
    cursor = (await read_on(harness, None))[-1].seq
    await harness.run(
        lambda s: s.exec(  # type: ignore[call-overload]
            Delivery.__table__.update().values(state=DeliveryState.DELIVERED)  # type: ignore[attr-defined]
        )
    )
    purged = await purge_once(harness.unit_of_work, NotificationSettings(environment="test"), now=DEFAULT_NOW)
    assert purged.deliveries == 3 and await harness.all(Delivery) == []
    await harness.deliver(accepted(), event_id="new")
    assert [d.event_id for d in await read_on(harness, cursor)] == ["new"]


async def test_pages_follow_the_log_order_with_filters(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    first = await subscribe(harness, "finance", [ACCEPTED])
    second = await subscribe(harness, "finance", [ACCEPTED], url="https://finance.example.org/other")
    for n in range(6):
        await harness.deliver(accepted(), event_id=f"e{n}")
    rows = await harness.run(lambda s: s.exec(select(Delivery).order_by(col(Delivery.seq))))
    ordered = [(d.subscription_id, d.event_id) for d in rows]
    assert [e for _, e in ordered] == [f"e{n // 2}" for n in range(12)]  # one event's deliveries together
    seen: list[str] = []
    after = None
    while page := await harness.run(
        lambda s, a=after: list_deliveries(s, ORGS["finance"], second.id, after=a, limit=4)
    ):
        seen += [d.event_id for d in page]
        after = page[-1].seq
    assert seen == [f"e{n}" for n in range(6)] and first.id != second.id

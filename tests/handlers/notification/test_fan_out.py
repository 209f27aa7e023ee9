"""Fan-out on SQLite: each subscription receives exactly the events its organisation may read."""

from __future__ import annotations

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.models import Delivery, DeliveryState
from tests.handlers.notification.helpers import (
    ACCEPTED,
    APPROVED,
    ERQI,
    JINSHUI,
    accepted,
    approved,
    subscribe,
)


async def test_each_organisation_receives_only_what_it_may_read(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    subs = {org: await subscribe(harness, org, [ACCEPTED]) for org in ("jinshui", "erqi", "power", "office")}
    subs["finance"] = await subscribe(harness, "finance", [ACCEPTED, APPROVED])
    subs["jinshui-money"] = await subscribe(
        harness, "jinshui", [APPROVED], url="https://jinshui-money.example.org/hook"
    )

    await harness.deliver(accepted(JINSHUI), event_id="acc-jinshui")
    await harness.deliver(accepted(ERQI), event_id="acc-erqi")
    await harness.deliver(approved(JINSHUI), event_id="app-jinshui")
    await harness.deliver(approved(ERQI), event_id="app-erqi")

    by_subscription: dict[str, set[str]] = {name: set() for name in subs}
    names = {s.id: name for name, s in subs.items()}
    for delivery in await harness.all(Delivery):
        by_subscription[names[delivery.subscription_id]].add(delivery.event_id)
        assert delivery.state == DeliveryState.PENDING
    assert by_subscription == {
        "jinshui": {"acc-jinshui"},
        "erqi": {"acc-erqi"},
        "power": set(),  # a utility hears no ledger event but its own pipeline work
        "office": {"acc-jinshui", "acc-erqi"},
        "finance": {"acc-jinshui", "acc-erqi", "app-jinshui", "app-erqi"},
        "jinshui-money": {"app-jinshui"},
    }


async def test_a_redelivered_event_is_stored_once_per_subscription(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    event = accepted()
    assert await harness.deliver(event, event_id="evt-1") == "handled"
    assert await harness.deliver(event, event_id="evt-1") == "duplicate"
    assert [d.event_id for d in await harness.all(Delivery)] == ["evt-1"]


async def test_a_disabled_subscription_receives_nothing(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    subscription = await subscribe(harness, "finance", [ACCEPTED])

    async def disable(session):  # type: ignore[no-untyped-def]
        row = await session.get(type(subscription), subscription.id)
        row.active = False
        session.add(row)

    await harness.run(disable)
    await harness.deliver(accepted())
    assert await harness.all(Delivery) == []


async def test_the_stored_body_is_the_original_envelope(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "jinshui", [ACCEPTED])
    event = accepted()
    await harness.deliver(event, event_id="evt-env")
    (delivery,) = await harness.all(Delivery)
    assert '"districtcode":"zz-jinshui"' in delivery.content
    assert str(event.project_id) in delivery.content and delivery.event_type == ACCEPTED

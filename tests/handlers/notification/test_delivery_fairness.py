"""One endpoint cannot take every delivery slot: leasing caps what is in flight per subscription,
so a hanging endpoint's backlog never holds back the others' deliveries."""

from __future__ import annotations

from collections import Counter

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import lease_due
from tests.handlers.notification.helpers import ACCEPTED, accepted, subscribe


async def test_a_backlogged_endpoint_gets_at_most_its_share_of_a_lease(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    dead = await subscribe(harness, "finance", [ACCEPTED], url="https://dead.example.org/hook")
    for n in range(30):  # the dead endpoint's backlog is older than anyone else's
        await harness.deliver(accepted(), event_id=f"old-{n}")
    healthy = await subscribe(harness, "office", [ACCEPTED])
    for n in range(3):
        await harness.deliver(accepted(), event_id=f"new-{n}")
    now = harness.clock.now()
    first = await harness.run(
        lambda s: lease_due(s, now=now, lease_s=30, limit=20, in_flight={}, per_endpoint=4)
    )
    counts = Counter(d.subscription_id for d in first)
    assert counts[dead.id] == 4 and counts[healthy.id] == 3  # the healthy ones are not held back
    busy = dict(counts)
    second = await harness.run(
        lambda s: lease_due(s, now=now, lease_s=30, limit=20, in_flight=busy, per_endpoint=4)
    )
    assert second == []  # the dead endpoint is at its cap; nothing else is due
    uncapped = await harness.run(lambda s: lease_due(s, now=now, lease_s=30, limit=20))
    assert len(uncapped) == 20  # without a cap the backlog would fill every slot

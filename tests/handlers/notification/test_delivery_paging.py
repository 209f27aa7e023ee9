"""The delivery log paged by its commit-ordered position (`seq`): every delivery once, in order,
even when many share a timestamp and more arrive between pages."""

from __future__ import annotations

from datetime import timedelta

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import list_deliveries
from tests.handlers.notification.helpers import ACCEPTED, ORGS, accepted, subscribe


async def test_pages_cover_every_delivery_once_in_order_while_more_arrive(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED])
    for n in range(25):  # many share one timestamp: the id breaks the tie
        if n % 10 == 0:
            harness.clock.advance(timedelta(seconds=1))
        await harness.deliver(accepted(), event_id=f"e{n:02d}")
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await harness.run(lambda s, a=after: list_deliveries(s, ORGS["finance"], after=a, limit=7))
        if not page:
            break
        pages += 1
        seen += [d.event_id for d in page]
        after = page[-1].seq
        if pages == 2:  # a delivery stored meanwhile, later than everything seen, is not lost
            harness.clock.advance(timedelta(seconds=1))
            await harness.deliver(accepted(), event_id="late")
    assert len(seen) == len(set(seen)) == 26 and seen[-1] == "late"
    everything = await harness.run(lambda s: list_deliveries(s, ORGS["finance"]))
    assert [d.event_id for d in everything] == seen  # the same stable order as unpaged
    assert await harness.run(lambda s: list_deliveries(s, ORGS["jinshui"], limit=5)) == []

"""The pull feed on SQLite: every entitled event, in order, page by page, with a cursor."""

from __future__ import annotations

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.feed import read
from tests.handlers.notification.helpers import APPROVED, ERQI, JINSHUI, ORGS, accepted, approved

EVENTS = [
    ("e1", accepted(JINSHUI)),
    ("e2", accepted(ERQI)),
    ("e3", approved(JINSHUI)),
    ("e4", approved(ERQI)),
    ("e5", accepted(JINSHUI)),
]


async def world(harness_for):  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    for event_id, payload in EVENTS:
        await harness.deliver(payload, event_id=event_id)
    return harness


async def read_all(harness, org: str, limit: int = 2, **kwargs):  # type: ignore[no-untyped-def]
    ids, cursor, pages = [], 0, 0
    while True:
        page = await harness.run(lambda s, c=cursor: read(s, ORGS[org], after=c, limit=limit, **kwargs))
        pages += 1
        if not page.items and int(page.next_cursor) == cursor:
            return ids, pages
        ids += [item["id"] for item in page.items]
        cursor = int(page.next_cursor)


async def test_each_reader_reads_every_event_it_may_in_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await world(harness_for)
    assert (await read_all(harness, "jinshui"))[0] == ["e1", "e3", "e5"]
    assert (await read_all(harness, "erqi"))[0] == ["e2", "e4"]
    assert (await read_all(harness, "finance"))[0] == ["e1", "e2", "e3", "e4", "e5"]
    assert (await read_all(harness, "office", limit=100))[0] == ["e1", "e2", "e3", "e4", "e5"]
    assert (await read_all(harness, "power"))[0] == []


async def test_a_redelivered_event_appears_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await world(harness_for)
    assert await harness.deliver(EVENTS[0][1], event_id="e1") == "duplicate"
    assert (await read_all(harness, "office"))[0] == ["e1", "e2", "e3", "e4", "e5"]


async def test_the_cursor_resumes_after_the_last_page(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await world(harness_for)
    first = await harness.run(lambda s: read(s, ORGS["finance"], after=0, limit=2))
    assert [i["id"] for i in first.items] == ["e1", "e2"]
    rest = await harness.run(lambda s: read(s, ORGS["finance"], after=int(first.next_cursor), limit=10))
    assert [i["id"] for i in rest.items] == ["e3", "e4", "e5"]
    await harness.deliver(accepted(ERQI), event_id="e6")
    later = await harness.run(lambda s: read(s, ORGS["finance"], after=int(rest.next_cursor), limit=10))
    assert [i["id"] for i in later.items] == ["e6"]


async def test_the_feed_can_be_narrowed_to_types(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await world(harness_for)
    assert (await read_all(harness, "finance", types=[APPROVED]))[0] == ["e3", "e4"]


async def test_items_are_the_original_envelopes(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await world(harness_for)
    page = await harness.run(lambda s: read(s, ORGS["jinshui"], after=0, limit=1))
    (item,) = page.items
    assert item["specversion"] == "1.0" and item["districtcode"] == JINSHUI
    assert item["data"]["project_id"] == str(EVENTS[0][1].project_id)

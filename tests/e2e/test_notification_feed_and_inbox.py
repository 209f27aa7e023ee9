"""The pull feed and the in-app inbox over real Kafka: a district reads, in order and by cursor,
exactly its own district's events, and finds them in its inbox with an unread count."""

from __future__ import annotations

from typing import Any

from tests.support import tokens
from tests.support.factories import community_body
from tests.support.flows import register_project
from tests.support.servers import eventually

JINSHUI, ERQI = "zz-jinshui", "zz-erqi"
REGISTERED = "registry.project.registered.v1"


async def _read_feed(client, limit: int = 1) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    items: list[dict[str, Any]] = []
    cursor = "0"
    while True:
        response = await client.get("/feed", params={"after": cursor, "limit": limit})
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if page["next_cursor"] == cursor:
            return items
        cursor = page["next_cursor"]


async def test_a_district_reads_its_own_events_by_feed_and_inbox(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    await platform.start("notification")
    jinshui = platform.client("notification", tokens.district(JINSHUI))
    office = platform.client("notification", tokens.office())
    created = await jinshui.post("/subscriptions", json={"channel": "inbox", "event_types": [REGISTERED]})
    assert created.status_code == 201, created.text

    erqi_registry = platform.client("registry", tokens.district(ERQI))
    first = await register_project(registry)
    other = await register_project(erqi_registry, community_body(name="二七区某小区", district_code=ERQI))
    second = await register_project(registry, community_body(name="金水区另一小区"))

    async def office_sees_all() -> list[dict[str, Any]] | None:
        items = [i for i in await _read_feed(office, limit=50) if i["type"] == REGISTERED]
        return items if len(items) == 3 else None

    everything = await eventually(office_sees_all)
    # projects are keyed to different partitions, so the feed's order is the order consumed;
    # every reader sees the same order
    assert {i["data"]["project_id"] for i in everything} == {first["id"], other["id"], second["id"]}

    own = [i for i in await _read_feed(jinshui) if i["type"] == REGISTERED]
    assert [i["id"] for i in own] == [i["id"] for i in everything if i["districtcode"] == JINSHUI]
    assert {i["data"]["project_id"] for i in own} == {first["id"], second["id"]}
    assert {i["districtcode"] for i in await _read_feed(jinshui, limit=100)} == {JINSHUI}
    assert await _read_feed(platform.client("notification", tokens.utility("power")), limit=100) == []

    assert (await jinshui.get("/inbox/count")).json() == {"unread": 2, "total": 2}
    items = (await jinshui.get("/inbox")).json()
    assert {i["title"] for i in items} == {"【老旧小区改造】新项目已登记入台账"}
    read = await jinshui.post(f"/inbox/{items[0]['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert (await jinshui.get("/inbox/count")).json() == {"unread": 1, "total": 2}
    assert (await office.post(f"/inbox/{items[1]['id']}/read")).status_code == 404
    assert (await jinshui.get("/feed", params={"after": -1})).status_code == 422

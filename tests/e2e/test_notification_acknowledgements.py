"""Business acknowledgement and the paged delivery log over real Kafka and PostgreSQL: an accepted
project asks Finance to approve its award; Finance acknowledges once (a retry with the same
Idempotency-Key replays, a second acknowledgement is a 409, concurrent ones give one success) and
records the action; the office reads the times. The delivery log pages by cursor in `Link`."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tests.support import tokens
from tests.support.flows import accept_project, register_project
from tests.support.servers import eventually

ACCEPTED = "registry.project.accepted.v1"


async def _finance_item(finance, project_id: str) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    response = await finance.get("/action-items", params={"project_id": project_id})
    assert response.status_code == 200, response.text
    items = response.json()
    return items[0] if items else None


async def test_finance_acknowledges_and_acts_on_an_accepted_project(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    await platform.start("notification")
    finance = platform.client("notification", tokens.finance())
    office = platform.client("notification", tokens.office())
    police = platform.client("notification", tokens.department("police"))
    project = await register_project(registry)
    await accept_project(registry, project["id"])

    item = await eventually(lambda: _finance_item(finance, project["id"]))
    assert item["request_code"] == "award-approval" and item["state"] == "open"
    assert item["district_code"] == "zz-jinshui" and item["event_type"] == ACCEPTED
    assert await _finance_item(police, project["id"]) is None  # only the department asked sees it

    path = f"/action-items/{item['id']}/acknowledgement"
    assert (await police.post(path)).status_code == 404
    key = {"Idempotency-Key": "ack-1"}
    first = await finance.post(path, headers=key)
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "acknowledged"
    replay = await finance.post(path, headers=key)
    assert replay.status_code == 200 and replay.json() == first.json()
    again = await finance.post(path)
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"

    bad = await finance.post(f"/action-items/{item['id']}/action", json={"note": ""})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "note"
    acted = await finance.post(f"/action-items/{item['id']}/action", json={"note": "已审核，待批准奖补"})
    assert acted.status_code == 200 and acted.json()["state"] == "done"

    times = (await office.get("/acknowledgements/times")).json()
    (row,) = [r for r in times if r["org_code"] == "finance"]
    assert row["acknowledged"] == 1 and row["median_s"] is not None and row["overdue"] == 0
    assert [r["org_code"] for r in (await police.get("/acknowledgements/times")).json()] == []
    lax = await office.get("/acknowledgements/times", params={"until": "0.5"})  # a Unix time is refused
    assert lax.status_code == 422 and lax.json()["errors"][0]["field"] == "until"
    window = {"since": "2026-01-01T00:00:00+08:00", "until": "2026-01-02T00:00:00Z"}
    assert (await office.get("/acknowledgements/times", params=window)).json() == []


async def test_concurrent_acknowledgements_give_one_success(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    await platform.start("notification")
    finance = platform.client("notification", tokens.finance())
    project = await register_project(registry)
    await accept_project(registry, project["id"])
    item = await eventually(lambda: _finance_item(finance, project["id"]))
    responses = await asyncio.gather(
        *(finance.post(f"/action-items/{item['id']}/acknowledgement") for _ in range(8))
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7


async def test_the_delivery_log_pages_by_cursor(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    await platform.start("notification")
    jinshui = platform.client("notification", tokens.district("zz-jinshui"))
    types = ["registry.project.registered.v1", "registry.project.plan_submitted.v1", ACCEPTED]
    created = await jinshui.post(
        "/subscriptions", json={"event_types": types, "endpoint_url": "http://127.0.0.1:9/hook"}
    )
    assert created.status_code == 201, created.text
    for _ in range(3):
        project = await register_project(registry)
        await accept_project(registry, project["id"])

    async def all_stored() -> list[dict[str, Any]] | None:
        listed = (await jinshui.get("/deliveries", params={"limit": 500})).json()
        return listed if len(listed) >= 9 else None

    everything = await eventually(all_stored)
    seen: list[str] = []
    url: str | None = "/deliveries?limit=2"
    while url:
        response = await jinshui.get(url)
        assert response.status_code == 200, response.text
        seen += [d["id"] for d in response.json()]
        link = response.headers.get("link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None  # type: ignore[union-attr]
    assert seen[: len(everything)] == [d["id"] for d in everything] and len(seen) == len(set(seen))

    bad = await jinshui.get("/deliveries", params={"after": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "after"  # not a cursor it issued

"""Concurrent patrols and demonstration areas on PostgreSQL over HTTP: one wins, the rest get 409.

The patrol command locks the project's row before it looks for the day's patrol; the area
command locks its communities in one order before it looks for their areas. So N identical
requests give one success, N−1 409s naming the rule, and one event (or one area).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from shared.clock import shanghai_date
from tests.support import tokens
from tests.support.factories import community_body, project_body

N = 10
ZHONGYUAN = "zz-zhongyuan"


async def test_ten_concurrent_patrols_of_one_day_record_one(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    district = platform.client("registry", tokens.district(ZHONGYUAN))
    street = platform.client("registry", tokens.street_office(f"{ZHONGYUAN}-xiushui", ZHONGYUAN))
    day = (shanghai_date(datetime.now(UTC)) - timedelta(days=1)).isoformat()
    community = await district.post(
        "/communities", json=community_body(district_code=ZHONGYUAN, programme_code="zhongyuan-2013")
    )
    project = (await district.post("/projects", json=project_body(community.json()["id"]))).json()
    pid = project["id"]
    for action, body in (
        ("tender-award", {"awarded_on": day, "contractor": "某建设工程有限公司"}),
        ("construction-start", {"started_on": day}),
    ):
        assert (await district.post(f"/projects/{pid}/{action}", json=body)).status_code == 200
    body = {"patrolled_on": day, "findings": "现场安全", "contractor_notified": False}

    responses = await asyncio.gather(*(street.post(f"/projects/{pid}/patrols", json=body) for _ in range(N)))

    assert Counter(r.status_code for r in responses) == {201: 1, 409: N - 1}
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["errors"][0]["rule"] == "one_patrol_per_day"
    assert await platform.announced("registry", "registry.project.safety_patrol_recorded.v1") == 1


async def test_ten_concurrent_areas_over_the_same_communities_designate_one(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    ids = []
    for n in range(3):
        created = await registry.post(
            "/communities", json=community_body(name=f"示范小区{n}", programme_code="zhengzhou-2018")
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    orders = [ids, ids[::-1], ids[1:] + ids[:1]]

    responses = await asyncio.gather(
        *(
            registry.post("/demonstration-areas", json={"name": f"示范区{n}", "community_ids": orders[n % 3]})
            for n in range(N)
        )
    )

    assert Counter(r.status_code for r in responses) == {201: 1, 409: N - 1}
    listed = await registry.get("/demonstration-areas")
    assert listed.headers["X-Total-Count"] == "1"
    assert sorted(listed.json()[0]["community_ids"]) == sorted(ids)

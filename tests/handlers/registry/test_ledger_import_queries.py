"""The ledger's list queries on an imported ledger: each filter the office uses, a total in
X-Total-Count that matches the rows, pages that tile one stable order; a community's history."""

from __future__ import annotations

from typing import Any

import httpx

from tests.handlers.registry.test_ledger_import import GULOU, KAIFENG, api, finished, row, upload, xlsx
from tests.support import tokens

__all__ = ["api"]  # the fixture, shared with the import tests

STREETS = ["相国寺街道", "州桥街道", "西司门街道"]


def ledger_rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(30):
        rows.append(
            row(
                f"院{i:02d}",
                街道办事处=STREETS[i % 3],
                建成年份=1990 if i % 5 else 2005,
                项目库批次=["实施一批", "谋划一批", ""][i % 3],
                示范小区="是" if i % 10 == 0 else "否",
                中央补助名单="是" if i % 6 == 0 else "否",
            )
        )
    return rows


async def listed(
    client: httpx.AsyncClient, headers: dict[str, str] = GULOU, **params: Any
) -> tuple[list[str], int]:
    response = await client.get("/communities", params={"limit": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [c["name"] for c in response.json()], int(response.headers["X-Total-Count"])


async def test_each_filter_of_the_office_narrows_the_ledger_with_a_matching_total(api) -> None:  # type: ignore[no-untyped-def]
    _, client = api
    job = await finished(client, await upload(client, xlsx(ledger_rows())))
    assert job["rows_imported"] == 30
    office = tokens.office()

    expectations = {
        (("street_office", "州桥街道"),): {f"院{i:02d}" for i in range(30) if i % 3 == 1},
        (("tier", "implement"),): {f"院{i:02d}" for i in range(30) if i % 3 == 0},
        (("demonstration", "true"),): {"院00", "院10", "院20"},
        (("centrally_funded", "true"),): {f"院{i:02d}" for i in range(0, 30, 6)},
        (("eligible", "false"),): {f"院{i:02d}" for i in range(0, 30, 5)},
        (
            ("programme_code", KAIFENG),
            ("district_code", "kf-gulou"),
            ("eligible", "true"),
            ("tier", "plan"),
        ): {f"院{i:02d}" for i in range(30) if i % 3 == 1 and i % 5},
        (("programme_code", "zhengzhou-2019"),): set(),
    }
    for filters, names in expectations.items():
        found, total = await listed(client, office, **dict(filters))
        assert (set(found), total) == (names, len(names)), filters


async def test_pages_tile_one_stable_order_and_a_district_sees_only_its_own(api) -> None:  # type: ignore[no-untyped-def]
    _, client = api
    await finished(client, await upload(client, xlsx(ledger_rows())))
    everything, total = await listed(client)
    pages = []
    for offset in range(0, 30, 7):
        page, page_total = await listed(client, limit=7, offset=offset)
        assert page_total == total == 30
        pages += page
    assert pages == everything
    assert await listed(client, tokens.district("kf-longting")) == ([], 0)
    beyond = await client.get("/communities", params={"limit": 501}, headers=GULOU)
    assert beyond.status_code == 422


async def test_a_communitys_history_shows_its_assessments_and_projects(api) -> None:  # type: ignore[no-untyped-def]
    _, client = api
    await finished(client, await upload(client, xlsx([row("历史院", 建成年份=2005)])))
    community = (await client.get("/communities", headers=GULOU)).json()[0]
    corrected = await client.post(
        f"/communities/{community['id']}/assessments",
        json={"built_year": 1996, "exclusions": [], "note": "竣工年份按房产证更正"},
        headers=GULOU,
    )
    assert corrected.status_code == 200, corrected.text
    opened = await client.post(
        "/projects",
        json={"name": "历史院综合整治", "investment_fen": 100_000_00, "community_id": community["id"]},
        headers=GULOU,
    )
    assert opened.status_code == 201, opened.text

    history = await client.get(f"/communities/{community['id']}/history", headers=GULOU)

    assert history.status_code == 200
    body = history.json()
    assert body["community"]["id"] == community["id"] and body["community"]["eligible"] is True
    assert [(a["built_year"], a["eligible"], a["note"]) for a in body["assessments"]] == [
        (2005, False, None),
        (1996, True, "竣工年份按房产证更正"),
    ]
    assert [p["name"] for p in body["projects"]] == ["历史院综合整治"]
    other = await client.get(
        f"/communities/{community['id']}/history", headers=tokens.district("kf-longting")
    )
    assert other.status_code == 404

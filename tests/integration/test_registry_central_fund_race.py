"""Kaifeng's central-fund list holds 117 communities; with 116 listed, ten districts' concurrent
requests to list ten different communities give one success and nine refusals (list full), on
PostgreSQL over HTTP. Each request locks only its own community's row, so without the list's
lock all ten would count 116 and all ten would succeed."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import text

from shared.db import create_engine
from shared.policy import get_profile
from tests.support import tokens
from tests.support.db import scalar
from tests.support.factories import community_body

N = 10
PROGRAMME = "kaifeng-2019"


def _kaifeng(name: str) -> dict[str, object]:
    return community_body(name=name, district_code="kf-gulou", programme_code=PROGRAMME)


async def _clone_listed(database_url: str, community_id: str, copies: int) -> None:
    """Put `copies` copies of a community on the list directly in the database (fast set-up)."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            names = await conn.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = 'community'")
            )
            kept = [n for (n,) in names if n not in ("id", "name", "centrally_funded")]
            columns = ", ".join(kept)
            await conn.execute(
                text(
                    f"INSERT INTO community (id, name, centrally_funded, {columns}) "
                    f"SELECT md5(random()::text || g)::uuid, name || '-' || g, true, {columns} "
                    "FROM community, generate_series(1, :copies) AS g WHERE id = :id"
                ),
                {"copies": copies, "id": community_id},
            )
    finally:
        await engine.dispose()


async def test_ten_concurrent_listings_of_the_last_place_give_one_success(platform) -> None:  # type: ignore[no-untyped-def]
    cap = get_profile(PROGRAMME).funding.central_subsidy.funded_communities  # type: ignore[union-attr]
    await platform.start("registry")
    registry = platform.client("registry", tokens.district("kf-gulou"))
    url = platform.database_url("registry")
    seed = (await registry.post("/communities", json=_kaifeng("种子小区"))).json()
    await _clone_listed(url, seed["id"], cap - 1)
    racers = []
    for i in range(N):
        response = await registry.post("/communities", json=_kaifeng(f"候选小区{i}"))
        assert response.status_code == 201, response.text
        racers.append(response.json()["id"])

    responses = await asyncio.gather(
        *(
            registry.put(f"/communities/{cid}/classification", json={"centrally_funded": True})
            for cid in racers
        )
    )

    assert Counter(r.status_code for r in responses) == {200: 1, 422: N - 1}
    for refused in (r for r in responses if r.status_code == 422):
        assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
            ("centrally_funded", "central_fund_list_full")
        ]
    listed = "SELECT count(*) FROM community WHERE programme_code = :p AND centrally_funded"
    assert await scalar(url, listed, p=PROGRAMME) == cap
    assert await platform.announced("registry", "registry.community.classified.v1") == 1

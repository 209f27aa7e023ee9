"""Kaifeng's central funds over real Kafka and PostgreSQL (三, 七(二), 七(三)), every amount to the fen:
projects registered and advanced in the registry over HTTP, funding hears their approvals and works,
Housing proposes a ranked split, Finance approves it once (a repeated request replays, concurrent
approvals give one success), each share becomes a central-subsidy source and a journal movement."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from typing import Any

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ItemProgress, ProgressReported
from shared.contracts.topics import REGISTRY_EVENTS
from tests.support import tokens
from tests.support.db import scalar
from tests.support.factories import community_body
from tests.support.flows import register_project, walk_project
from tests.support.kafka_io import produce_raw, records_so_far
from tests.support.servers import eventually

KAIFENG = {"programme_code": "kaifeng-2019", "district_code": "kf-longting"}
# A: every approval step and completed (score 1.0000); B: three steps (0.4950); C: one step
# (0.2050); D: every step but not on the central list. 3 400 001 fen shared 1 : 0.495 : 0.205.
PROJECTS = {
    "A": (10_000_000, "construction-completion"),
    "B": (6_000_000, "cost-review"),
    "C": (4_000_000, "project-approval"),
    "D": (8_000_000, "tender-award"),
}
STEPS_DONE = {"A": 4, "B": 3, "C": 1, "D": 4}
AMOUNT = 3_400_001
SHARES = {
    "A": 2_000_001,
    "B": 990_000,
    "C": 410_000,
}  # 2 000 000.59 + the left-over fen, 990 000.29, 410 000.12


async def _kaifeng_projects(platform: Any) -> dict[str, str]:
    longting = platform.client("registry", tokens.district("kf-longting"))
    ids = {}
    for key, (investment, until) in PROJECTS.items():
        community = community_body(name=f"龙亭区{key}号院", **KAIFENG)
        project = await register_project(
            longting, community, name=f"龙亭区{key}号院改造", investment_fen=investment
        )
        await walk_project(longting, project["id"], until=until)
        ids[key] = project["id"]
    return ids


async def test_housing_proposes_finance_approves_once_and_every_share_is_a_source(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    finance = await platform.start("funding")
    housing = platform.client("funding", tokens.department("housing"))
    ids = await _kaifeng_projects(platform)

    async def heard_everything() -> bool:
        rows = (
            await housing.get("/central-allocations/candidates", params={"programme_code": "kaifeng-2019"})
        ).json()
        steps = {row["project_id"]: len(row["steps_done"]) for row in rows}
        return all(steps.get(ids[k]) == n for k, n in STEPS_DONE.items()) and rows

    await eventually(heard_everything)
    refused = await finance.post(
        "/central-allocations",
        json={"programme_code": "kaifeng-2019", "amount_fen": AMOUNT, "listed_project_ids": [ids["A"]]},
    )
    assert refused.status_code == 403
    response = await housing.post(
        "/central-allocations",
        json={
            "programme_code": "kaifeng-2019",
            "amount_fen": AMOUNT,
            "listed_project_ids": [ids[k] for k in "CAB"],
        },
    )
    assert response.status_code == 201, response.text
    proposal = response.json()
    lines = {line["project_id"]: line for line in proposal["lines"]}
    assert [(lines[ids[k]]["rank"], lines[ids[k]]["amount_fen"]) for k in "ABC"] == [
        (1, SHARES["A"]),
        (2, SHARES["B"]),
        (3, SHARES["C"]),
    ]
    assert [lines[ids[k]]["score"] for k in "ABC"] == ["1.0000", "0.4950", "0.2050"]
    assert (lines[ids["D"]]["outcome"], lines[ids["D"]]["amount_fen"]) == ("not_listed", 0)
    assert (proposal["allocated_fen"], proposal["unallocated_fen"]) == (AMOUNT, 0)

    assert (await housing.post(f"/central-allocations/{proposal['id']}/approval")).status_code == 403
    url = f"/central-allocations/{proposal['id']}/approval"
    first = await finance.post(url, headers={"Idempotency-Key": "approve-central-1"})
    assert first.status_code == 200, first.text
    replay = await finance.post(url, headers={"Idempotency-Key": "approve-central-1"})
    assert (replay.status_code, replay.json()["status"]) == (200, "approved")
    racers = await asyncio.gather(
        *(finance.post(url, headers={"Idempotency-Key": f"race-{i}"}) for i in range(8))
    )
    assert sorted(r.status_code for r in racers) == [409] * 8

    for key, share in SHARES.items():
        sources = (await finance.get(f"/projects/{ids[key]}/sources")).json()
        assert {x["source_code"]: x["committed_fen"] for x in sources["lines"]} == {"central-subsidy": share}
        assert sources["shortfall_fen"] == PROJECTS[key][0] - share
        sheet = (await finance.get(f"/projects/{ids[key]}/funding")).json()
        assert sheet["central_fen"] == share
    district = platform.client("funding", tokens.district("kf-longting"))
    sneaked = await district.post(
        f"/projects/{ids['D']}/sources",
        json={
            "source_code": "central-subsidy",
            "kind": "commitment",
            "amount_fen": 100,
            "dated_on": "2026-11-20",
        },
    )
    assert (sneaked.status_code, sneaked.json()["errors"][0]["rule"]) == (422, "central_funds_by_allocation")
    url = platform.database_url("funding")
    assert await platform.announced("funding", "funding.central_allocation.approved.v1") == 1
    assert await platform.announced("funding", "funding.source.committed.v1") == 3
    assert (
        await scalar(url, "SELECT sum(amount_fen) FROM journal_entry WHERE movement = 'central_allocated'")
        == AMOUNT
    )
    assert (await finance.get("/reconciliation")).json()["ties_out"] is True


async def test_concurrent_approvals_of_one_proposal_give_one_success(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    finance = await platform.start("funding")
    housing = platform.client("funding", tokens.department("housing"))
    ids = await _kaifeng_projects(platform)

    async def heard() -> bool:
        rows = (
            await housing.get("/central-allocations/candidates", params={"programme_code": "kaifeng-2019"})
        ).json()
        return len(rows) == 4 and all(row["steps_done"] for row in rows)

    await eventually(heard)
    proposal = (
        await housing.post(
            "/central-allocations",
            json={
                "programme_code": "kaifeng-2019",
                "amount_fen": AMOUNT,
                "listed_project_ids": [ids[k] for k in "ABC"],
            },
        )
    ).json()
    url = f"/central-allocations/{proposal['id']}/approval"
    answers = await asyncio.gather(*(finance.post(url) for _ in range(12)))
    assert sorted(r.status_code for r in answers) == [200] + [409] * 11
    db = platform.database_url("funding")
    assert (
        await scalar(db, "SELECT count(*) FROM funding_source_entry WHERE source_code = 'central-subsidy'")
        == 3
    )
    assert (
        await scalar(db, "SELECT sum(amount_fen) FROM journal_entry WHERE movement = 'central_allocated'")
        == AMOUNT
    )


async def test_every_registry_event_redelivered_changes_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    """The registry's whole outbox published again (same event ids) after the approval: funding's
    inbox drops each one, so no second plan version, review, commitment or approval appears."""
    await platform.start("registry")
    finance = await platform.start("funding")
    housing = platform.client("funding", tokens.department("housing"))
    ids = await _kaifeng_projects(platform)

    async def candidates() -> list[dict[str, Any]]:
        rows = (
            await housing.get("/central-allocations/candidates", params={"programme_code": "kaifeng-2019"})
        ).json()
        steps = {row["project_id"]: len(row["steps_done"]) for row in rows}
        return rows if all(steps.get(ids[k]) == n for k, n in STEPS_DONE.items()) else []

    before = await eventually(candidates)
    proposal = (
        await housing.post(
            "/central-allocations",
            json={
                "programme_code": "kaifeng-2019",
                "amount_fen": AMOUNT,
                "listed_project_ids": [ids[k] for k in "ABC"],
            },
        )
    ).json()
    assert (await finance.post(f"/central-allocations/{proposal['id']}/approval")).status_code == 200
    db = platform.database_url("funding")

    async def counted() -> Counter[str]:
        return Counter(event["type"] for event in await platform.announced_events("funding"))

    announced_before = await counted()
    inbox_before = await scalar(db, "SELECT count(*) FROM inbox_message")

    await platform.announced("registry")  # every registry event is on its topic
    bootstrap = platform.kafka.bootstrap_servers
    for record in await records_so_far(bootstrap, platform.topic(REGISTRY_EVENTS)):
        await produce_raw(bootstrap, platform.topic(REGISTRY_EVENTS), [record.value], key=record.key)
    # one fresh event per project after the replays (same key, so it is handled after them)
    for key in "ABCD":
        project = (
            await platform.client("registry", tokens.district("kf-longting")).get(f"/projects/{ids[key]}")
        ).json()
        marker = ProgressReported(
            project_id=ids[key],
            community_id=project["community_id"],
            district_code="kf-longting",
            programme_code="kaifeng-2019",
            reported_on=date(2026, 11, 20),
            items=[ItemProgress(item_code="roads", percent_complete=10)],
        )
        await produce_raw(
            platform.kafka.bootstrap_servers,
            platform.topic(REGISTRY_EVENTS),
            [CloudEvent.wrap(marker).to_bytes()],
            key=ids[key].encode(),
        )

    async def markers_handled() -> bool:
        return await scalar(db, "SELECT count(*) FROM inbox_message") == inbox_before + 4

    await eventually(markers_handled)
    assert await counted() == announced_before
    after = await candidates()
    assert {r["project_id"]: r["steps_done"] for r in after} == {
        r["project_id"]: r["steps_done"] for r in before
    }
    approved = (await finance.get(f"/central-allocations/{proposal['id']}")).json()
    assert (approved["status"], approved["allocated_fen"]) == ("approved", AMOUNT)

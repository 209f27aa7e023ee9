"""Utilities' pipeline work over HTTP on PostgreSQL and Kafka: the district assigns, the power
company sees and completes its own work under an Idempotency-Key (a replay answers the first
response and emits nothing), another company is told the work does not exist, concurrent
completions give one success and one event, and open work holds up construction completion."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from tests.support import tokens
from tests.support.db import scalar
from tests.support.flows import (
    assign_pipeline_work,
    register_project,
    start_pipeline_work,
    walk_project,
)
from tests.support.kafka_io import records_so_far

COMPLETED = "registry.pipeline_work.completed.v1"
N = 10
COMPLETION = {"completed_on": "2026-11-21", "scope_done": "架空线全部入地", "evidence_ref": "供电竣工单-017"}


async def _count(platform, event_type: str) -> int:  # type: ignore[no-untyped-def]
    return await platform.announced("registry", event_type)  # type: ignore[no-any-return]


async def _planned(registry) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A Zhengzhou 2019 project whose approved plan has overhead lines (item 2)."""
    project = await register_project(registry)
    return await walk_project(registry, project["id"], until="plan-approval")


async def test_a_utility_completes_its_own_work_once_under_its_key(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await _planned(registry)
    work = await assign_pipeline_work(registry, project["id"])
    power = platform.client("registry", tokens.utility("power"))
    telecom = platform.client("registry", tokens.utility("telecom"))

    mine = await power.get("/pipeline-works")
    assert mine.status_code == 200 and [w["id"] for w in mine.json()] == [work["id"]]
    assert mine.headers["x-total-count"] == "1"
    assert (await telecom.get("/pipeline-works")).json() == []
    assert (await power.get(f"/projects/{project['id']}")).status_code == 403  # no ledger reads
    await start_pipeline_work(power, work["id"])

    url = f"/pipeline-works/{work['id']}/completion"
    key = {"Idempotency-Key": "power-done-017"}
    # refusals first: each is a problem naming the rule, and changes nothing
    stranger = await telecom.post(url, json=COMPLETION, headers={"Idempotency-Key": "t-1"})
    assert stranger.status_code == 404 and stranger.headers["content-type"] == "application/problem+json"
    assert (await registry.post(url, json=COMPLETION)).status_code == 403  # a district does not complete it
    future = await power.post(url, json={**COMPLETION, "completed_on": "2099-01-01"})
    assert future.status_code == 422 and future.json()["errors"][0]["rule"] == "not_in_future"
    early = await power.post(url, json={**COMPLETION, "completed_on": "2026-11-19"})
    assert early.status_code == 422 and early.json()["errors"][0]["rule"] == "not_before_work_start"
    assert await _count(platform, COMPLETED) == 0

    first = await power.post(url, json=COMPLETION, headers=key)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "completed" and first.json()["evidence_ref"] == "供电竣工单-017"
    again = await power.post(url, json=COMPLETION, headers=key)
    assert again.status_code == 200 and again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert first.headers["content-type"] == again.headers["content-type"] == "application/json"
    stored = await scalar(
        platform.database_url("registry"),
        "SELECT response_body FROM idempotency_key WHERE key = 'power-done-017'",
    )
    assert stored == first.content.decode(), "the key keeps the bytes the first answer sent"
    other = await power.post(url, json={**COMPLETION, "scope_done": "部分完成"}, headers=key)
    assert other.status_code == 422 and other.json()["errors"][0]["rule"] == "idempotency_key_reused"
    fresh_key = await power.post(url, json=COMPLETION, headers={"Idempotency-Key": "power-done-018"})
    assert fresh_key.status_code == 409 and fresh_key.json()["current_state"] == "completed"
    assert await _count(platform, COMPLETED) == 1

    # the events reach Kafka, keyed by the project, naming the company
    records = await records_so_far(platform.kafka.bootstrap_servers, platform.topic("registry.events"))
    pipeline = [json.loads(r.value) for r in records if b"pipeline_work" in r.value]
    assert [e["type"] for e in pipeline] == [
        "registry.pipeline_work.assigned.v1",
        "registry.pipeline_work.started.v1",
        COMPLETED,
    ]
    assert {e["data"]["utility_code"] for e in pipeline} == {"power"}
    assert {r.key.decode() for r in records if b"pipeline_work" in r.value} == {project["id"]}


async def test_concurrent_completions_of_one_work_give_one_success_and_one_event(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await _planned(registry)
    work = await assign_pipeline_work(registry, project["id"])
    power = platform.client("registry", tokens.utility("power"))
    await start_pipeline_work(power, work["id"])
    url = f"/pipeline-works/{work['id']}/completion"

    responses = await asyncio.gather(
        *(power.post(url, json=COMPLETION, headers={"Idempotency-Key": f"k-{i}"}) for i in range(N))
    )

    assert Counter(r.status_code for r in responses) == {200: 1, 409: N - 1}
    assert await _count(platform, COMPLETED) == 1


async def test_open_work_holds_up_construction_until_the_district_exempts_it(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await _planned(registry)
    work = await assign_pipeline_work(registry, project["id"])
    water_work = await assign_pipeline_work(
        registry, project["id"], item_code="rain-sewage-separation", utility_code="water"
    )
    await walk_project(registry, project["id"], until="construction-start")
    completion = {"completed_on": "2026-11-20"}
    held = await registry.post(f"/projects/{project['id']}/construction-completion", json=completion)
    assert held.status_code == 409, held.text
    problem = held.json()
    assert work["id"] in problem["detail"] and water_work["id"] in problem["detail"]
    assert "pipeline-exemptions" in problem["allowed_actions"]
    assert {e["rule"] for e in problem["errors"]} == {"open_pipeline_work"}

    exemption = await registry.post(
        f"/projects/{project['id']}/pipeline-exemptions",
        json={
            "work_ids": [work["id"], water_work["id"]],
            "reason": "管线单位年度计划另行实施",
            "exempted_on": "2026-11-20",
        },
    )
    assert exemption.status_code == 201, exemption.text
    done = await registry.post(f"/projects/{project['id']}/construction-completion", json=completion)
    assert done.status_code == 200 and done.json()["status"] == "construction_completed"
    blocking = await registry.get("/pipeline-works", params={"project_id": project["id"], "blocking": "true"})
    assert blocking.json() == [] and blocking.headers["x-total-count"] == "0"

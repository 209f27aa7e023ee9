"""The ledger over HTTP on PostgreSQL: ineligible communities are recorded, lists are paged with a
total, a project's timeline lists its steps, and a step is idempotent under its key."""

from __future__ import annotations

from tests.support.factories import community_body, project_body, step_bodies
from tests.support.flows import register_project, walk_project


async def test_an_ineligible_community_is_in_the_ledger_but_opens_no_project(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    response = await registry.post("/communities", json=community_body(built_year=2010))
    assert response.status_code == 201, response.text
    community = response.json()
    assert community["eligible"] is False
    assert [r["code"] for r in community["eligibility"] if not r["passed"]] == ["built-year"]
    response = await registry.post("/projects", json=project_body(community["id"]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "eligible_community"
    listed = await registry.get("/communities", params={"eligible": "false"})
    assert listed.headers["x-total-count"] == "1" and [c["id"] for c in listed.json()] == [community["id"]]


async def test_projects_are_listed_by_step_with_a_total_and_each_has_a_timeline(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    first = await register_project(registry)
    second = await register_project(registry, community_body(name="另一小区"))
    await walk_project(registry, second["id"], until="plan-approval")
    at_survey = await registry.get("/projects", params={"step": "survey"})
    assert at_survey.headers["x-total-count"] == "1" and [p["id"] for p in at_survey.json()] == [first["id"]]
    planning = await registry.get("/projects", params={"step": "planning", "status": "plan_approved"})
    assert [p["id"] for p in planning.json()] == [second["id"]]
    timeline = (await registry.get(f"/projects/{second['id']}/timeline")).json()
    assert [s["action"] for s in timeline] == ["residents-consultation", "plan-submission", "plan-approval"]


async def test_a_step_repeated_under_its_idempotency_key_returns_the_first_answer(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry)
    body = step_bodies("zhengzhou-2019", "2026-11-20", 1)["residents-consultation"]
    url = f"/projects/{project['id']}/residents-consultation"
    headers = {"Idempotency-Key": "consult-1"}
    first = await registry.post(url, json=body, headers=headers)
    again = await registry.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
    other = await registry.post(url, json={**body, "households_in_favour": 1}, headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["rule"] == "idempotency_key_reused"
    timeline = (await registry.get(f"/projects/{project['id']}/timeline")).json()
    assert [s["action"] for s in timeline] == ["residents-consultation"]


async def test_a_text_filter_with_a_nul_matches_nothing_instead_of_failing(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    await register_project(registry)
    for path in ("/projects", "/communities"):
        response = await registry.get(path, params={"street_office": "文化路\x00街道"})
        assert response.status_code == 200, response.text
        assert response.json() == [] and response.headers["x-total-count"] == "0"
    response = await registry.get("/communities", params={"street_office": " 文化路街道 "})
    assert response.headers["x-total-count"] == "1"

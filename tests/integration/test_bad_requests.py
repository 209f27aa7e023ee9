"""Bad input gets a 4xx problem-details body naming the field and rule, and writes nothing."""

from __future__ import annotations

import uuid

from tests.support.db import scalar
from tests.support.factories import community_body
from tests.support.flows import register_project

PROBLEM = "application/problem+json"


async def _counts(platform) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    url = platform.database_url("registry")
    return (
        await scalar(url, "SELECT count(*) FROM community"),
        await scalar(url, "SELECT count(*) FROM project"),
        await scalar(url, "SELECT count(*) FROM outbox_message"),
    )


def _fields(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"] == PROBLEM
    return {e["field"]: e["rule"] for e in response.json()["errors"]}


async def test_invalid_fields_are_named_with_their_rule_and_nothing_is_written(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    response = await registry.post(
        "/communities",
        json=community_body(built_year="nineteen-ninety", households=0, floor_area_m2="12.345"),
    )
    assert response.status_code == 422
    assert _fields(response) == {
        "built_year": "int_parsing",
        "households": "greater_than_equal",
        "floor_area_m2": "decimal_max_places",
    }
    body = response.json()
    assert body["status"] == 422 and body["instance"] == "/communities"
    assert await _counts(platform) == (0, 0, 0)


async def test_a_project_for_an_unknown_community_is_refused_without_a_trace(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    response = await registry.post(
        "/projects", json={"name": "x", "community_id": str(uuid.uuid4()), "investment_fen": 1}
    )
    assert response.status_code == 422
    assert _fields(response) == {"community_id": "exists"}
    assert await _counts(platform) == (0, 0, 0)


async def test_skipping_a_step_is_a_conflict_and_leaves_the_project_as_it_was(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry)
    before = await _counts(platform)
    response = await registry.post(
        f"/projects/{project['id']}/acceptance",
        json={"accepted_on": "2026-11-20", "accepted_investment_fen": 1, "sign_offs": []},
    )
    assert response.status_code == 409
    assert _fields(response) == {"action": "lifecycle_order"}
    body = response.json()
    assert body["current_state"] == "survey" and body["allowed_actions"] == ["residents-consultation"]
    after = (await registry.get(f"/projects/{project['id']}")).json()
    assert (after["step"], after["status"]) == ("survey", "opened")
    assert await _counts(platform) == before


async def test_money_must_be_whole_fen_and_an_unknown_step_is_refused(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry)
    before = await _counts(platform)
    response = await registry.post(
        "/projects", json={"name": "x", "community_id": project["community_id"], "investment_fen": 1.5}
    )
    assert response.status_code == 422
    assert _fields(response) == {"investment_fen": "int_type"}  # strict fen: never coerced from a float
    response = await registry.get("/projects", params={"step": "demolished"})
    assert response.status_code == 422
    assert _fields(response) == {"step": "enum"}
    response = await registry.get(f"/projects/{uuid.uuid4()}")
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert await _counts(platform) == before


async def test_malformed_json_is_a_problem_not_a_500(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    response = await registry.post(
        "/communities", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert await _counts(platform) == (0, 0, 0)

"""Bad input gets a 4xx problem-details body naming the field and rule, and writes nothing."""

from __future__ import annotations

import uuid

from tests.support.db import scalar
from tests.support.factories import community_body, step_bodies
from tests.support.flows import register_project, walk_project

PROBLEM = "application/problem+json"


async def _counts(platform) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    url = platform.database_url("registry")
    return (
        await scalar(url, "SELECT count(*) FROM community"),
        await scalar(url, "SELECT count(*) FROM project"),
        await platform.announced("registry"),  # events on the topic: the relay deletes what it sent
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


async def test_huge_numbers_are_422_naming_the_field_never_a_500(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    response = await registry.post("/communities", json=community_body(households=2**70, buildings=2**63))
    assert response.status_code == 422
    assert _fields(response) == {"households": "less_than_equal", "buildings": "less_than_equal"}
    response = await registry.get("/projects", params={"offset": 2**70})
    assert response.status_code == 422 and _fields(response) == {"offset": "less_than_equal"}
    response = await registry.get("/projects", params={"limit": 10**6})
    assert response.status_code == 422 and _fields(response) == {"limit": "less_than_equal"}
    project = await register_project(registry)
    before = await _counts(platform)
    for value, rule in [(2**63, "less_than_equal"), ("100", "int_type"), (1e3, "int_type")]:
        response = await registry.post(
            "/projects", json={"name": "x", "community_id": project["community_id"], "investment_fen": value}
        )
        assert response.status_code == 422 and _fields(response) == {"investment_fen": rule}
    assert await _counts(platform) == before


async def test_names_with_control_or_bidi_characters_or_blank_are_refused(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    for name in ["文化路\x003号院", "文化路\u202e3号院", "   "]:
        response = await registry.post("/communities", json=community_body(name=name))
        assert response.status_code == 422 and _fields(response) == {"name": "value_error"}
    assert await _counts(platform) == (0, 0, 0)


async def test_unknown_fields_are_refused_by_name(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    response = await registry.post("/communities", json=community_body(street_ofice="文化路街道"))
    assert response.status_code == 422 and _fields(response) == {"street_ofice": "extra_forbidden"}
    assert await _counts(platform) == (0, 0, 0)


async def test_step_dates_outside_the_window_or_in_the_future_are_refused(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry)
    before = await _counts(platform)
    body = step_bodies("zhengzhou-2019", "2026-11-20", 1)["residents-consultation"]
    url = f"/projects/{project['id']}/residents-consultation"
    for value, rule in [
        ("9999-12-31", "less_than_equal"),
        ("0001-01-01", "greater_than_equal"),
        ("2100-01-01", "not_in_future"),
        ("2019-01-01", "not_before_programme"),
    ]:
        response = await registry.post(
            url, json={**body, "consulted_on": value, "publicity_from": "2000-01-01"}
        )
        assert response.status_code == 422, value
        assert _fields(response) == {"consulted_on": rule}, value
    assert await _counts(platform) == before


async def test_an_accepted_investment_far_above_the_plan_needs_confirmation(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry, investment_fen=1_000_000_00)
    ready = await walk_project(registry, project["id"], until="construction-completion")
    before = await _counts(platform)
    body = step_bodies(ready["programme_code"], "2026-11-20", 10 * 1_000_000_00)["acceptance"]
    response = await registry.post(f"/projects/{project['id']}/acceptance", json=body)
    assert response.status_code == 422
    assert _fields(response) == {"accepted_investment_fen": "over_plan_needs_confirmation"}
    assert await _counts(platform) == before
    response = await registry.post(
        f"/projects/{project['id']}/acceptance", json={**body, "confirm_over_plan": True}
    )
    assert response.status_code == 200, response.text

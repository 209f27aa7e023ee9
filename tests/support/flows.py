"""Multi-call flows tests repeat: register a community and a project, take it to acceptance."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.factories import WALK_SKIPS, community_body, project_body, step_bodies


async def register_project(
    registry: httpx.AsyncClient, community: dict[str, Any] | None = None, **project: Any
) -> dict[str, Any]:
    response = await registry.post("/communities", json=community or community_body())
    assert response.status_code == 201, response.text
    response = await registry.post("/projects", json=project_body(response.json()["id"], **project))
    assert response.status_code == 201, response.text
    return response.json()


async def accept_project(
    registry: httpx.AsyncClient,
    project_id: str,
    accepted_on: str = "2026-11-20",
    audited_investment_fen: int | None = None,
) -> dict[str, Any]:
    """Walk a project through its programme's steps to acceptance; returns the accepted project.

    Every step is dated `accepted_on`. The investment stated at acceptance is
    `audited_investment_fen` when given, else the planned one (acceptance no longer waits for
    the audit: record that afterwards with `audit_project`).
    """
    return await walk_project(
        registry,
        project_id,
        until="acceptance",
        on=accepted_on,
        accepted_investment_fen=audited_investment_fen,
    )


async def walk_project(
    registry: httpx.AsyncClient,
    project_id: str,
    *,
    until: str,
    on: str = "2026-11-20",
    accepted_investment_fen: int | None = None,
) -> dict[str, Any]:
    """Take the allowed actions in the programme's order until `until` has been taken."""
    project = (await registry.get(f"/projects/{project_id}")).json()
    investment = accepted_investment_fen if accepted_investment_fen is not None else project["investment_fen"]
    bodies = step_bodies(project["programme_code"], on, investment)
    last = None
    for _ in range(30):
        choices = [a for a in project["allowed_actions"] if a != last and (a not in WALK_SKIPS or a == until)]
        assert choices, f"no way on from {project['step']}/{project['status']} towards {until}"
        last = choices[0]
        response = await registry.post(f"/projects/{project_id}/{last}", json=bodies[last])
        assert response.status_code == 200, response.text
        project = response.json()
        if last == until:
            return project
    raise AssertionError(f"{until} never became allowed")


async def audit_project(
    registry: httpx.AsyncClient, project_id: str, audited_investment_fen: int, audited_on: str = "2026-11-20"
) -> dict[str, Any]:
    """Record the final-accounts audit of an accepted project."""
    response = await registry.post(
        f"/projects/{project_id}/final-accounts-audit",
        json={"audited_on": audited_on, "audited_investment_fen": audited_investment_fen},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def approve_award(
    funding: httpx.AsyncClient, project_id: str, request_id: str | None = None
) -> dict[str, Any]:
    """Finance approves the award proposed for a project (the client must act as Finance)."""
    awards = (await funding.get("/awards", params={"project_id": project_id})).json()
    assert len(awards) == 1, awards
    headers = {"X-Request-ID": request_id} if request_id else None
    response = await funding.post(f"/awards/{awards[0]['id']}/approval", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def pipeline_assignment(**overrides: Any) -> dict[str, Any]:
    """A Zhengzhou 2019 assignment: overhead lines (item 2, power's under 六) to the power company."""
    return {
        "item_code": "overhead-lines",
        "utility_code": "power",
        "scope": "架空电力线入地改造，表箱更新",
        "planned_start_on": "2026-11-20",
        "planned_end_on": "2026-12-31",
        **overrides,
    }


async def assign_pipeline_work(
    registry: httpx.AsyncClient, project_id: str, **overrides: Any
) -> dict[str, Any]:
    """The district (the client) assigns pipeline work in a project; returns the work."""
    response = await registry.post(
        f"/projects/{project_id}/pipeline-works", json=pipeline_assignment(**overrides)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def start_pipeline_work(
    utility: httpx.AsyncClient, work_id: str, started_on: str = "2026-11-20"
) -> dict[str, Any]:
    """The utility company (the client) records that its work started."""
    response = await utility.post(f"/pipeline-works/{work_id}/start", json={"started_on": started_on})
    assert response.status_code == 200, response.text
    return response.json()

"""Multi-call flows tests repeat: register a community and a project, take it to acceptance."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.factories import STAGES_TO_ACCEPTANCE, community_body, project_body


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
    """Walk a project to acceptance; the audited investment defaults to the planned one."""
    if audited_investment_fen is None:
        audited_investment_fen = (await registry.get(f"/projects/{project_id}")).json()["investment_fen"]
    for stage in STAGES_TO_ACCEPTANCE:
        response = await registry.post(f"/projects/{project_id}/stage-transitions", json={"to_stage": stage})
        assert response.status_code == 200, response.text
    response = await registry.post(
        f"/projects/{project_id}/stage-transitions",
        json={
            "to_stage": "accepted",
            "effective_on": accepted_on,
            "audited_investment_fen": audited_investment_fen,
        },
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

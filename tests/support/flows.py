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
    registry: httpx.AsyncClient, project_id: str, accepted_on: str = "2026-11-20"
) -> dict[str, Any]:
    for stage in STAGES_TO_ACCEPTANCE:
        response = await registry.post(
            f"/projects/{project_id}/stage-transitions", json={"to_stage": stage}
        )
        assert response.status_code == 200, response.text
    response = await registry.post(
        f"/projects/{project_id}/stage-transitions",
        json={"to_stage": "accepted", "effective_on": accepted_on},
    )
    assert response.status_code == 200, response.text
    return response.json()

"""Concurrent identical step commands on one project, on PostgreSQL over HTTP: one wins.

Each step command locks the project's row before it checks the step, so N concurrent requests
give exactly one success, N−1 409s naming the current step, and one event in the outbox.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.support.factories import step_bodies
from tests.support.flows import register_project, walk_project

N = 10


async def _events(platform, event_type: str) -> int:  # type: ignore[no-untyped-def]
    return await platform.announced("registry", event_type)  # type: ignore[no-any-return]


async def test_ten_concurrent_acceptances_give_one_acceptance_and_nine_conflicts(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry)
    ready = await walk_project(registry, project["id"], until="construction-completion")
    assert "acceptance" in ready["allowed_actions"]
    body = step_bodies(ready["programme_code"], "2026-11-20", ready["investment_fen"])["acceptance"]

    responses = await asyncio.gather(
        *(registry.post(f"/projects/{project['id']}/acceptance", json=body) for _ in range(N))
    )

    assert Counter(r.status_code for r in responses) == {200: 1, 409: N - 1}
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["current_state"] == "acceptance"
        assert "acceptance" not in conflict.json()["allowed_actions"]
    assert await _events(platform, "registry.project.accepted.v1") == 1
    timeline = (await registry.get(f"/projects/{project['id']}/timeline")).json()
    assert [step["action"] for step in timeline].count("acceptance") == 1


async def test_ten_concurrent_consultations_record_one(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    project = await register_project(registry)
    body = step_bodies(project["programme_code"], "2026-11-20", project["investment_fen"])[
        "residents-consultation"
    ]

    responses = await asyncio.gather(
        *(registry.post(f"/projects/{project['id']}/residents-consultation", json=body) for _ in range(N))
    )

    assert Counter(r.status_code for r in responses) == {200: 1, 409: N - 1}
    assert await _events(platform, "registry.project.residents_consulted.v1") == 1

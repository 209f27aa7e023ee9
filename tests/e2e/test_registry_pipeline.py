"""Pipeline work events over real Kafka reach exactly who may read them: the company whose work
it is (and no other company), the project's district (not another), and the office."""

from __future__ import annotations

import json
from typing import Any

from tests.support import tokens
from tests.support.flows import assign_pipeline_work, register_project, start_pipeline_work, walk_project
from tests.support.servers import eventually, serve
from tests.support.webhook_receiver import WebhookReceiver

JINSHUI, ERQI = "zz-jinshui", "zz-erqi"
TYPES = [
    "registry.pipeline_work.assigned.v1",
    "registry.pipeline_work.started.v1",
    "registry.pipeline_work.completed.v1",
    "registry.pipeline_work.exempted.v1",
]
SUBSCRIBERS = {
    "power": tokens.utility("power"),
    "telecom": tokens.utility("telecom"),
    "jinshui": tokens.district(JINSHUI),
    "erqi": tokens.district(ERQI),
    "office": tokens.office(),
}


def _received(receiver: WebhookReceiver, name: str) -> list[tuple[str, str]]:
    events = [json.loads(hook.body) for hook in receiver.for_path(f"/hook/{name}")]
    return sorted((e["type"], e["id"]) for e in events)


async def test_pipeline_events_reach_the_company_whose_work_it_is_and_no_other(platform) -> None:  # type: ignore[no-untyped-def]
    receiver = WebhookReceiver()
    hooks = await serve(receiver.app())
    try:
        port = hooks.url.rsplit(":", 1)[1]
        registry = await platform.start("registry")
        await platform.start("notification", notification_outbound_allowlist=f"127.0.0.1:{port}")
        for name, identity in SUBSCRIBERS.items():
            created = await platform.client("notification", identity).post(
                "/subscriptions", json={"event_types": TYPES, "endpoint_url": f"{hooks.url}/hook/{name}"}
            )
            assert created.status_code == 201, (name, created.text)

        project = await register_project(registry)
        await walk_project(registry, project["id"], until="plan-approval")
        power = platform.client("registry", tokens.utility("power"))
        work = await assign_pipeline_work(registry, project["id"])
        await start_pipeline_work(power, work["id"])
        done = await power.post(
            f"/pipeline-works/{work['id']}/completion",
            json={"completed_on": "2026-11-21", "scope_done": "架空线入地", "evidence_ref": "竣工单-1"},
            headers={"Idempotency-Key": "e2e-1"},
        )
        assert done.status_code == 200, done.text
        second = await assign_pipeline_work(registry, project["id"], scope="表箱更新")
        exempted = await registry.post(
            f"/projects/{project['id']}/pipeline-exemptions",
            json={"work_ids": [second["id"]], "reason": "供电公司另行立项实施", "exempted_on": "2026-11-20"},
        )
        assert exempted.status_code == 201, exempted.text

        async def office_has_all() -> list[tuple[str, str]] | None:
            seen = _received(receiver, "office")
            return seen if len(seen) == 5 else None

        everything = await eventually(office_has_all, timeout_s=90)
        assert sorted(t for t, _ in everything) == sorted([TYPES[0], TYPES[0], TYPES[1], TYPES[2], TYPES[3]])

        async def settled() -> dict[str, Any] | None:
            received = {name: _received(receiver, name) for name in SUBSCRIBERS}
            return received if received["power"] == everything and received["jinshui"] == everything else None

        received = await eventually(settled, timeout_s=60)
        assert received["power"] == everything  # its own work, the exemption naming it included
        assert received["telecom"] == [] and received["erqi"] == []
    finally:
        await hooks.stop()

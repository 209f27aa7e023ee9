"""The walking skeleton: one accepted project flows through all four services over real Kafka.

registry (ProjectAccepted) → funding (40% award, SubsidyApproved) → reporting (per-district
rollup) → notification (signed webhook to a subscribed endpoint).
"""

from __future__ import annotations

import json
import time

from services.notification.signing import verify
from tests.support import tokens
from tests.support.flows import accept_project, approve_award, register_project
from tests.support.servers import eventually, serve
from tests.support.webhook_receiver import WebhookReceiver

ACCEPTED = "registry.project.accepted.v1"
APPROVED = "funding.subsidy.approved.v1"


async def test_accepted_project_is_awarded_counted_and_notified(platform) -> None:  # type: ignore[no-untyped-def]
    receiver = WebhookReceiver()
    hook_server = await serve(receiver.app())
    try:
        registry = await platform.start("registry")
        funding = await platform.start("funding")
        reporting = await platform.start("reporting")
        notification = await platform.start("notification")

        created = await notification.post(
            "/subscriptions",
            json={
                "event_types": [ACCEPTED, APPROVED],
                "endpoint_url": f"{hook_server.url}/hook",
            },
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]

        project = await register_project(registry, investment_fen=1_000_000_01)
        accepted = await accept_project(registry, project["id"], accepted_on="2026-11-20")
        assert (accepted["step"], accepted["status"]) == ("acceptance", "accepted")

        async def award():  # type: ignore[no-untyped-def]
            response = await funding.get("/awards", params={"project_id": project["id"]})
            return response.json()

        (proposed,) = await eventually(award)
        assert proposed["status"] == "proposed"
        approved = await approve_award(funding, project["id"], request_id="finance-approval-1")
        assert approved["status"] == "approved" and approved["approved_by"] == "finance"
        assert approved["basis_fen"] == 1_000_000_01
        assert approved["amount_fen"] == 400_000_00  # 40% of 1,000,000.01 yuan, half-up to the fen
        assert approved["ratio"] in ("0.4000", "0.40", "0.4")
        assert approved["district_code"] == "zz-jinshui"

        async def rollup():  # type: ignore[no-untyped-def]
            response = await reporting.get("/rollups/districts/zz-jinshui")
            body = response.json() if response.status_code == 200 else {}
            done = body.get("accepted_projects") == 1 and body.get("approved_award_fen") == 400_000_00
            return body if done else None

        figures = await eventually(rollup)
        assert figures["registered_projects"] == 1

        await eventually(lambda: _count(receiver, 2))
        by_type = {}
        for hook in receiver.received:
            ts = int(hook.headers["webhook-timestamp"])
            assert verify(
                secret,
                hook.headers["webhook-id"],
                ts,
                hook.body,
                hook.headers["webhook-signature"],
                now=int(time.time()),
            ), "signature must verify with the subscription's secret"
            event = json.loads(hook.body)
            assert event["specversion"] == "1.0"
            assert hook.headers["webhook-id"] == event["id"]
            by_type[event["type"]] = event
        assert by_type[ACCEPTED]["data"]["project_id"] == project["id"]
        assert by_type[APPROVED]["data"]["amount_fen"] == 400_000_00
        # the approval event carries the id of the Finance request that made it
        assert by_type[APPROVED]["correlationid"] == "finance-approval-1"
        assert by_type[ACCEPTED]["districtcode"] == "zz-jinshui"

        deliveries = (await notification.get("/deliveries")).json()
        assert {d["state"] for d in deliveries} == {"delivered"}

        # every write in the flow is in its service's audit trail, with who and from which request
        office = tokens.office()
        registry_audit = (await platform.client("registry", office).get("/audit")).json()
        assert [e["action"] for e in reversed(registry_audit)] == [
            "community.registered",
            "project.registered",
            "project.residents_consulted",
            "project.plan_submitted",
            "project.plan_approved",
            "project.construction_started",
            "project.construction_completed",
            "project.accepted",
        ]
        assert {e["actor_org"] for e in registry_audit} == {"zz-jinshui"}
        assert all(e["request_id"] for e in registry_audit)
        funding_audit = (await platform.client("funding", office).get("/audit")).json()
        assert [(e["action"], e["actor_org"]) for e in reversed(funding_audit)] == [
            ("award.proposed", "system"),
            ("award.approved", "finance"),
        ]
        assert funding_audit[1]["causation_id"] == by_type[ACCEPTED]["id"]  # proposed from the event
        assert funding_audit[0]["request_id"] == "finance-approval-1"
        notification_audit = (await platform.client("notification", office).get("/audit")).json()
        assert [e["action"] for e in notification_audit] == ["subscription.created"]
    finally:
        await hook_server.stop()


async def _count(receiver: WebhookReceiver, n: int) -> bool:
    return len(receiver.received) >= n

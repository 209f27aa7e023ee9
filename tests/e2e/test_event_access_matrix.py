"""Events obey the same access rules as HTTP reads, end to end over real Kafka.

Two districts each get a project through acceptance and an approved award. A district, its street
office, another district, a utility, Finance and the leading-group office each subscribe to every
event type they are entitled to; each receives exactly the events it may read (the spirit of
tests/e2e/test_access_matrix.py, for events): the power company only the works events of projects
whose approved plan has items the profile gives it (overhead lines), never money.
"""

from __future__ import annotations

import json
from typing import Any

from services.notification.domain.responsibility import WORKS_EVENTS, responsible_for_items
from shared.access import OrganisationKind, may_subscribe
from shared.contracts.catalog import EVENT_TYPES
from shared.policy import get_profile
from tests.support import tokens
from tests.support.factories import community_body
from tests.support.flows import accept_project, approve_award, register_project
from tests.support.servers import eventually, serve
from tests.support.webhook_receiver import WebhookReceiver

JINSHUI, ERQI = "zz-jinshui", "zz-erqi"

SUBSCRIBERS: dict[str, tuple[dict[str, str], OrganisationKind]] = {
    "jinshui": (tokens.district(JINSHUI), OrganisationKind.DISTRICT),
    "jinshui-street": (tokens.street_office(), OrganisationKind.STREET_OFFICE),
    "erqi": (tokens.district(ERQI), OrganisationKind.DISTRICT),
    "power": (tokens.utility("power"), OrganisationKind.UTILITY),
    "finance": (tokens.finance(), OrganisationKind.DEPARTMENT),
    "office": (tokens.office(), OrganisationKind.OFFICE),
}


def _events(receiver: WebhookReceiver, name: str) -> set[tuple[str, str | None, str]]:
    found = set()
    for hook in receiver.for_path(f"/hook/{name}"):
        event = json.loads(hook.body)
        found.add((event["type"], event.get("districtcode"), event["id"]))
    return found


def _power_s_work(receiver: WebhookReceiver) -> set[tuple[str, str | None, str]]:
    """Works events of projects whose approved plan has items the profile gives to the power
    company (pipeline work assigned to it), as the office received them."""
    hooks = [json.loads(h.body) for h in receiver.for_path("/hook/office")]
    assigned = {
        e["data"]["project_id"]
        for e in hooks
        if e["type"] == "registry.project.plan_approved.v1"
        and "power"
        in responsible_for_items(
            get_profile(e["data"]["programme_code"]), [i["item_code"] for i in e["data"]["items"]]
        ).utilities
    }
    return {
        (e["type"], e.get("districtcode"), e["id"])
        for e in hooks
        if e["type"] in WORKS_EVENTS and e["data"].get("project_id") in assigned
    }


async def test_each_subscriber_receives_exactly_the_events_it_may_read(platform) -> None:  # type: ignore[no-untyped-def]
    receiver = WebhookReceiver()
    hooks = await serve(receiver.app())
    try:
        port = hooks.url.rsplit(":", 1)[1]
        registry = await platform.start("registry")
        funding = await platform.start("funding")
        await platform.start("notification", notification_outbound_allowlist=f"127.0.0.1:{port}")

        subscription_ids: dict[str, str] = {}
        for name, (identity, kind) in SUBSCRIBERS.items():
            types = [t for t in EVENT_TYPES if may_subscribe(kind, t)]
            created = await platform.client("notification", identity).post(
                "/subscriptions", json={"event_types": types, "endpoint_url": f"{hooks.url}/hook/{name}"}
            )
            assert created.status_code == 201, (name, created.text)
            subscription_ids[name] = created.json()["id"]

        erqi_registry = platform.client("registry", tokens.district(ERQI))
        projects = {
            JINSHUI: await register_project(registry),
            ERQI: await register_project(
                erqi_registry, community_body(name="二七区某小区", district_code=ERQI)
            ),
        }
        await accept_project(registry, projects[JINSHUI]["id"])
        await accept_project(erqi_registry, projects[ERQI]["id"])
        for project in projects.values():
            await eventually(lambda p=project: _json(funding.get("/awards", params={"project_id": p["id"]})))
            await approve_award(funding, project["id"])

        must_see = {
            (t, d)
            for t in (
                "registry.project.registered.v1",
                "registry.project.accepted.v1",
                "funding.subsidy.approved.v1",
            )
            for d in (JINSHUI, ERQI)
        }

        async def settled() -> dict[str, Any] | None:
            everything = _events(receiver, "office")
            if not must_see <= {(t, d) for t, d, _ in everything}:
                return None
            received = {name: _events(receiver, name) for name in SUBSCRIBERS}
            expected = {
                "jinshui": {e for e in everything if e[1] == JINSHUI},
                "jinshui-street": {e for e in everything if e[1] == JINSHUI},
                "erqi": {e for e in everything if e[1] == ERQI},
                "power": _power_s_work(receiver),
                "finance": everything,
                "office": everything,
            }
            differs = {n: (received[n] ^ expected[n]) for n in SUBSCRIBERS if received[n] != expected[n]}
            last_difference.clear()
            last_difference.update(differs)
            return None if differs else {"received": received, "expected": expected}

        last_difference: dict[str, object] = {}
        try:
            result = await eventually(settled, timeout_s=120)
        except AssertionError as timeout:
            raise AssertionError(f"subscribers differ from their rights: {last_difference}") from timeout
        assert result["received"]["jinshui"] and result["received"]["erqi"]

        # a utility hears only the works assigned to it: never money, never another ledger event
        assert {t for t, _, _ in result["received"]["power"]} <= WORKS_EVENTS
        # fan-out stores every recipient's delivery at once, so the office's view of the store
        # shows the utility was given nothing else, and no district another's
        office_view = (await platform.client("notification", tokens.office()).get("/deliveries")).json()
        by_subscription: dict[str, set[str]] = {}
        for delivery in office_view:
            by_subscription.setdefault(delivery["subscription_id"], set()).add(delivery["event_id"])
        power_ids = {e[2] for e in result["expected"]["power"]}
        assert by_subscription.get(subscription_ids["power"], set()) == power_ids
        everything_ids = {e[2] for e in result["expected"]["office"]}
        assert by_subscription[subscription_ids["office"]] == everything_ids
        jinshui_ids = {e[2] for e in result["expected"]["jinshui"]}
        assert by_subscription[subscription_ids["jinshui"]] == jinshui_ids
        assert not jinshui_ids & by_subscription[subscription_ids["erqi"]]
        # the money events of a district reach that district, not the other
        jinshui_types = {e[0] for e in result["received"]["jinshui"]}
        assert "funding.subsidy.approved.v1" in jinshui_types
    finally:
        await hooks.stop()


async def _json(request):  # type: ignore[no-untyped-def]
    return (await request).json()

"""Each receiver fault against a real HTTP server on loopback, over real Kafka and PostgreSQL:
500, a hang past the deadline, a reset connection, 429 with Retry-After, a redirect, 410.

One event fans out to six subscriptions, each pointing at its own scripted receiver; the service
allow-lists exactly those receivers' ports.
"""

from __future__ import annotations

from typing import Any

from standardwebhooks.webhooks import Webhook

from services.notification.receivers import verify_webhook
from shared.contracts.topics import REGISTRY_EVENTS
from tests.support import tokens
from tests.support.events import project_accepted
from tests.support.kafka_io import produce_raw
from tests.support.servers import eventually
from tests.support.webhook_receiver import Answer, ScriptedReceiver

ACCEPTED = "registry.project.accepted.v1"
LEAKED = b"<html>router admin: password=hunter2</html>"

SCRIPTS: dict[str, list[Answer]] = {
    "server_error": [Answer(500, body=LEAKED)],
    "hang": [Answer(fault="hang")],
    "reset": [Answer(fault="reset")],
    "throttled": [Answer(429, headers=(("Retry-After", "2"),))],
    "redirect": [Answer(302, headers=(("Location", "http://169.254.169.254/latest/meta-data/"),))],
    "gone": [Answer(410)],
}


async def test_each_receiver_fault_is_handled_as_the_policy_says(platform) -> None:  # type: ignore[no-untyped-def]
    receivers = {name: await ScriptedReceiver(script).start() for name, script in SCRIPTS.items()}
    try:
        notification = await platform.start(
            "notification",
            notification_outbound_allowlist=",".join(f"127.0.0.1:{r.port}" for r in receivers.values()),
            webhook_timeout_s=1.0,
            delivery_lease_margin_s=1.0,
            retry_schedule_s=(0.3, 0.3, 0.3),
            retry_jitter=0.0,
        )
        subscription_of: dict[str, str] = {}
        secret_of: dict[str, str] = {}
        for name, receiver in receivers.items():
            created = await notification.post(
                "/subscriptions", json={"event_types": [ACCEPTED], "endpoint_url": f"{receiver.url}/hook"}
            )
            assert created.status_code == 201, created.text
            subscription_of[name] = created.json()["id"]
            secret_of[name] = created.json()["secret"]

        event = project_accepted()
        await produce_raw(
            platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), [event.to_bytes()], key=b"k"
        )

        async def settled() -> dict[str, Any] | None:
            rows = (await notification.get("/deliveries")).json()
            by_name = {
                n: next((d for d in rows if d["subscription_id"] == s), None)
                for n, s in subscription_of.items()
            }
            return by_name if all(d and d["state"] != "pending" for d in by_name.values()) else None

        deliveries = await eventually(settled, timeout_s=60)
        states = {name: (d["state"], d["attempts"]) for name, d in deliveries.items()}
        assert states == {
            "server_error": ("delivered", 2),
            "hang": ("delivered", 2),
            "reset": ("delivered", 2),
            "throttled": ("delivered", 2),
            "redirect": ("failed", 1),
            "gone": ("failed", 1),
        }

        async def lines(name: str) -> list[str]:
            attempts = (await notification.get(f"/deliveries/{deliveries[name]['id']}/attempts")).json()
            return [a["status_line"] for a in attempts]

        assert await lines("server_error") == ["HTTP 500", "HTTP 204"]
        assert await lines("hang") == ["timeout", "HTTP 204"]
        assert await lines("reset") == ["connection reset", "HTTP 204"]
        assert await lines("throttled") == ["HTTP 429", "HTTP 204"]
        assert await lines("redirect") == ["HTTP 302 (redirect not followed)"]
        assert await lines("gone") == ["HTTP 410"]

        # Retry-After: 2 is honoured although the schedule says 0.3 s
        (first, _, _), (second, _, _) = receivers["throttled"].requests[:2]
        assert second - first >= 1.9
        # the redirect is not followed: its receiver saw one request and nothing else was asked
        assert len(receivers["redirect"].requests) == 1
        # 410 disables the endpoint
        gone = (await notification.get(f"/subscriptions/{subscription_of['gone']}")).json()
        assert gone["active"] is False and gone["disabled_reason"] == "endpoint disabled: HTTP 410"
        # nothing a receiver said is read back
        listing = (await notification.get("/deliveries")).text
        assert "hunter2" not in listing and "169.254" not in listing
        # every attempt is signed with the event's id; the helper and an independent
        # implementation (the standardwebhooks package) both verify it
        for name, receiver in receivers.items():
            for _, headers, body in receiver.requests:
                assert headers["webhook-id"] == event.id
                assert verify_webhook(secret_of[name], headers, body)["id"] == event.id
                assert Webhook(secret_of[name]).verify(body, headers)["id"] == event.id
    finally:
        for receiver in receivers.values():
            await receiver.stop()


async def test_the_office_sees_every_delivery_and_another_org_none(platform) -> None:  # type: ignore[no-untyped-def]
    receiver = await ScriptedReceiver([]).start()
    try:
        notification = await platform.start(
            "notification", notification_outbound_allowlist=f"127.0.0.1:{receiver.port}"
        )
        created = await notification.post(
            "/subscriptions", json={"event_types": [ACCEPTED], "endpoint_url": f"{receiver.url}/hook"}
        )
        assert created.status_code == 201, created.text
        await produce_raw(
            platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), [project_accepted().to_bytes()]
        )
        await eventually(lambda: _delivered(notification))
        office = platform.client("notification", tokens.office())
        housing = platform.client("notification", tokens.department("housing"))
        assert len((await office.get("/deliveries")).json()) == 1
        assert (await housing.get("/deliveries")).json() == []
        delivery_id = (await office.get("/deliveries")).json()[0]["id"]
        assert (await housing.get(f"/deliveries/{delivery_id}/attempts")).status_code == 404
        assert (await housing.post(f"/deliveries/{delivery_id}/retry")).status_code == 404
    finally:
        await receiver.stop()


async def _delivered(client) -> bool:  # type: ignore[no-untyped-def]
    rows = (await client.get("/deliveries")).json()
    return bool(rows) and all(d["state"] == "delivered" for d in rows)

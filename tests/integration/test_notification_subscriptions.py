"""Subscribing over HTTP: forbidden destinations, unknown or not-entitled types, duplicates and the
per-organisation cap are refused with RFC 9457 problems naming the field and the rule.

Internal addresses are only handed to validation: each is refused before any lookup or connection
(IP literals and internal names never reach a resolver).
"""

from __future__ import annotations

import pytest

from tests.support import tokens

ACCEPTED = "registry.project.accepted.v1"
APPROVED = "funding.subsidy.approved.v1"

FORBIDDEN = [
    ("http://169.254.169.254/latest/meta-data/", "link_local_address"),
    ("http://10.0.0.1/hook", "private_address"),
    ("http://192.168.1.1/hook", "private_address"),
    ("http://[fd00::1]/hook", "private_address"),
    ("http://0.0.0.0/hook", "unspecified_address"),
    ("http://2130706433/hook", "loopback_address"),
    ("http://0x7f000001/hook", "loopback_address"),
    ("http://localhost/hook", "internal_host_name"),
    ("http://127.0.0.1:22/", "loopback_address"),
    ("http://metadata.google.internal/computeMetadata/v1/", "internal_host_name"),
    ("http://user:secret@93.184.216.34/hook", "credentials_in_url"),
    ("ftp://93.184.216.34/hook", "http_or_https"),
]


@pytest.fixture
async def notification(platform):  # type: ignore[no-untyped-def]
    # an explicit allow-list of one unused port: loopback is otherwise forbidden, as in production
    return await platform.start(
        "notification", notification_outbound_allowlist="127.0.0.1:9", subscriptions_per_organisation=3
    )


async def test_forbidden_destinations_are_refused_naming_the_rule(notification) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for url, rule in FORBIDDEN:
        response = await notification.post(
            "/subscriptions", json={"event_types": [ACCEPTED], "endpoint_url": url}
        )
        body = response.json()
        found = [(e["field"], e["rule"]) for e in body.get("errors", [])]
        if response.status_code != 422 or found != [("endpoint_url", rule)]:
            problems.append(f"{url}: {response.status_code} {found}")
        assert response.headers["content-type"] == "application/problem+json"
    assert not problems, problems
    assert (await notification.get("/subscriptions")).json() == []


async def test_duplicates_the_cap_and_entitlements_are_enforced(platform, notification) -> None:  # type: ignore[no-untyped-def]
    body = {"event_types": [ACCEPTED, APPROVED], "endpoint_url": "http://127.0.0.1:9/hook"}
    assert (await notification.post("/subscriptions", json=body)).status_code == 201
    again = await notification.post("/subscriptions", json={**body, "event_types": [APPROVED, ACCEPTED]})
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "duplicate_subscription"
    for n in (1, 2):
        response = await notification.post(
            "/subscriptions", json={**body, "endpoint_url": f"http://127.0.0.1:9/h{n}"}
        )
        assert response.status_code == 201, response.text
    over = await notification.post("/subscriptions", json={**body, "endpoint_url": "http://127.0.0.1:9/h3"})
    assert over.status_code == 422 and over.json()["errors"][0]["rule"] == "subscriptions_per_organisation"

    power = platform.client("notification", tokens.utility("power"))
    money = await power.post("/subscriptions", json=body)
    assert money.status_code == 422
    assert [(e["field"], e["rule"]) for e in money.json()["errors"]] == [
        ("event_types", "entitled_event_type")
    ]
    unknown = await power.post(
        "/subscriptions", json={**body, "event_types": ["registry.project.exploded.v1"]}
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["rule"] == "known_event_type"
    extra = await power.post("/subscriptions", json={**body, "event_types": [ACCEPTED], "secret": "mine"})
    assert extra.status_code == 422 and "secret" in extra.text


async def test_the_subscriber_kind_and_district_are_taken_from_the_token(platform, notification) -> None:  # type: ignore[no-untyped-def]
    street = platform.client("notification", tokens.street_office())
    created = await street.post(
        "/subscriptions", json={"event_types": [ACCEPTED], "endpoint_url": "http://127.0.0.1:9/hook"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["subscriber_kind"], body["subscriber_district"]) == ("street_office", "zz-jinshui")


async def test_the_same_idempotency_key_returns_the_first_subscription(notification) -> None:  # type: ignore[no-untyped-def]
    body = {"event_types": [ACCEPTED], "endpoint_url": "http://127.0.0.1:9/hook"}
    headers = {"Idempotency-Key": "sub-1"}
    first = await notification.post("/subscriptions", json=body, headers=headers)
    second = await notification.post("/subscriptions", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and second.headers.get("idempotent-replayed") == "true"
    assert len((await notification.get("/subscriptions")).json()) == 1

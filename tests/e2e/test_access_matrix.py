"""The authorization matrix, against the running services: for each kind of organisation, what it
may and may not do. 401 without a valid token, 403 for a valid token without the right, 404 for
another tenant's record (so ids cannot be probed)."""

from __future__ import annotations

import time
from typing import Any

import jwt

from shared.access import OrganisationKind
from shared.settings import DEV_JWT_SECRET
from tests.support import tokens
from tests.support.factories import community_body
from tests.support.flows import accept_project, register_project
from tests.support.servers import eventually

JINSHUI, ERQI = "zz-jinshui", "zz-erqi"


async def _world(platform) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Jinshui district with an accepted project and its proposed award."""
    registry = await platform.start("registry")
    funding = await platform.start("funding")
    await platform.start("reporting")
    await platform.start("notification")
    project = await register_project(registry)
    await accept_project(registry, project["id"])
    (award,) = await eventually(lambda: _json(funding.get("/awards", params={"project_id": project["id"]})))
    return {"project": project, "award": award}


async def _json(request):  # type: ignore[no-untyped-def]
    return (await request).json()


def _expired_token() -> str:
    claims = {
        "sub": "x",
        "org": JINSHUI,
        "org_kind": "district",
        "district": JINSHUI,
        "scope": "registry:read",
        "iss": "renovation-platform",
        "aud": "renovation-platform",
        "exp": int(time.time()) - 60,
    }
    return jwt.encode(claims, DEV_JWT_SECRET, algorithm="HS256")


def _forged_token() -> str:
    return tokens.issue_token_with_secret("not-the-platform-secret-0123456789abcdef")


async def test_each_kind_of_organisation_gets_exactly_its_rights(platform) -> None:  # type: ignore[no-untyped-def]
    world = await _world(platform)
    project_id, award_id = world["project"]["id"], world["award"]["id"]
    community_id = world["project"]["community_id"]
    anonymous: dict[str, str] = {}
    expired = tokens.bearer(_expired_token())
    forged = tokens.bearer(_forged_token())
    erqi = tokens.district(ERQI)
    # a mis-issued token: a non-finance department that somehow carries the approval scope
    housing_with_scope = tokens.bearer(
        tokens.token("housing", OrganisationKind.DEPARTMENT, scopes=["funding:approve", "funding:read"])
    )
    erqi_community = community_body(district_code=ERQI)
    jinshui_community = community_body(name="金水区另一小区")

    cases: list[tuple[str, str, dict[str, str], str, str, Any, int]] = [
        # (why, service, identity, method, path, body, expected status)
        ("health needs no token", "registry", anonymous, "GET", "/healthz", None, 200),
        ("metrics need no token", "funding", anonymous, "GET", "/metrics", None, 200),
        ("no token", "registry", anonymous, "GET", f"/projects/{project_id}", None, 401),
        ("no token", "funding", anonymous, "GET", "/awards", None, 401),
        ("no token", "reporting", anonymous, "GET", "/rollups/districts", None, 401),
        ("no token", "notification", anonymous, "GET", "/subscriptions", None, 401),
        ("expired token", "registry", expired, "GET", f"/projects/{project_id}", None, 401),
        ("token signed with another key", "registry", forged, "GET", f"/projects/{project_id}", None, 401),
        # districts and street offices: their own district only
        (
            "district reads own project",
            "registry",
            tokens.district(),
            "GET",
            f"/projects/{project_id}",
            None,
            200,
        ),
        (
            "street office reads its district's project",
            "registry",
            tokens.street_office(),
            "GET",
            f"/projects/{project_id}",
            None,
            200,
        ),
        (
            "street office registers in its district",
            "registry",
            tokens.street_office(),
            "POST",
            "/communities",
            jinshui_community,
            201,
        ),
        ("another district cannot see it", "registry", erqi, "GET", f"/projects/{project_id}", None, 404),
        (
            "another district cannot see the community",
            "registry",
            erqi,
            "GET",
            f"/communities/{community_id}",
            None,
            404,
        ),
        (
            "another district cannot move it",
            "registry",
            erqi,
            "POST",
            f"/projects/{project_id}/property-takeover",
            {"taken_over_on": "2026-11-20", "mode": "existing-company", "manager": "某物业公司"},
            404,
        ),
        (
            "another district cannot open a project on it",
            "registry",
            erqi,
            "POST",
            "/projects",
            {"name": "x", "community_id": community_id, "investment_fen": 1},
            422,
        ),
        (
            "a district cannot register in another district",
            "registry",
            tokens.district(),
            "POST",
            "/communities",
            erqi_community,
            403,
        ),
        ("another district does not see the award", "funding", erqi, "GET", f"/awards/{award_id}", None, 404),
        (
            "another district does not see the rollup",
            "reporting",
            erqi,
            "GET",
            f"/rollups/districts/{JINSHUI}",
            None,
            404,
        ),
        (
            "district cannot approve money",
            "funding",
            tokens.district(),
            "POST",
            f"/awards/{award_id}/approval",
            None,
            403,
        ),
        ("district cannot read the audit trail", "registry", tokens.district(), "GET", "/audit", None, 403),
        # departments read what concerns them, write no ledger, approve no money (but Finance)
        (
            "department reads projects",
            "registry",
            tokens.department(),
            "GET",
            f"/projects/{project_id}",
            None,
            200,
        ),
        ("department reads awards", "funding", tokens.department(), "GET", f"/awards/{award_id}", None, 200),
        (
            "department cannot write the ledger",
            "registry",
            tokens.department(),
            "POST",
            "/communities",
            jinshui_community,
            403,
        ),
        (
            "department cannot approve money",
            "funding",
            tokens.department(),
            "POST",
            f"/awards/{award_id}/approval",
            None,
            403,
        ),
        (
            "not even with a mis-issued scope",
            "funding",
            housing_with_scope,
            "POST",
            f"/awards/{award_id}/approval",
            None,
            403,
        ),
        (
            "office cannot approve money",
            "funding",
            tokens.office(),
            "POST",
            f"/awards/{award_id}/approval",
            None,
            403,
        ),
        (
            "Finance approves money",
            "funding",
            tokens.finance(),
            "POST",
            f"/awards/{award_id}/approval",
            None,
            200,
        ),
        (
            "approved once only",
            "funding",
            tokens.finance(),
            "POST",
            f"/awards/{award_id}/approval",
            None,
            409,
        ),
        # utilities see none of the ledger, money or rollups
        (
            "utility cannot read projects",
            "registry",
            tokens.utility(),
            "GET",
            f"/projects/{project_id}",
            None,
            403,
        ),
        ("utility cannot read awards", "funding", tokens.utility(), "GET", "/awards", None, 403),
        (
            "utility cannot read rollups",
            "reporting",
            tokens.utility(),
            "GET",
            "/rollups/districts",
            None,
            403,
        ),
        (
            "utility subscribes for itself",
            "notification",
            tokens.utility(),
            "POST",
            "/subscriptions",
            {"event_types": ["registry.project.accepted.v1"], "endpoint_url": "http://127.0.0.1:9/hook"},
            201,
        ),
        # the leading-group office reads everything and administers the directory
        (
            "office reads the project",
            "registry",
            tokens.office(),
            "GET",
            f"/projects/{project_id}",
            None,
            200,
        ),
        (
            "office reads every rollup",
            "reporting",
            tokens.office(),
            "GET",
            f"/rollups/districts/{JINSHUI}",
            None,
            200,
        ),
        ("office reads the audit trail", "funding", tokens.office(), "GET", "/audit", None, 200),
        (
            "office adds an organisation",
            "registry",
            tokens.office(),
            "POST",
            "/organisations",
            {
                "code": "zz-jinshui-wenhualu",
                "kind": "street_office",
                "name_zh": "文化路街道",
                "name_en": "Wenhualu Street Office",
                "parent_code": JINSHUI,
            },
            201,
        ),
        (
            "a district cannot add organisations",
            "registry",
            tokens.district(),
            "POST",
            "/organisations",
            {"code": "zz-x", "kind": "district", "name_zh": "x", "name_en": "x"},
            403,
        ),
        (
            "anyone authenticated reads the directory",
            "registry",
            tokens.utility(),
            "GET",
            "/organisations/finance",
            None,
            200,
        ),
    ]

    mismatches = []
    for why, service, identity, method, path, body, expected in cases:
        client = platform.client(service, identity)
        response = await client.request(method, path, json=body)
        if response.status_code != expected:
            mismatches.append(
                f"{why}: {method} {service}{path} -> {response.status_code}, expected {expected}: {response.text[:200]}"
            )
        elif expected >= 400:
            assert response.headers["content-type"] == "application/problem+json", why
        if expected == 401 and response.status_code == 401:
            assert response.headers.get("www-authenticate") == "Bearer", why
    assert not mismatches, "\n".join(mismatches)


async def test_lists_are_narrowed_to_what_the_caller_may_see(platform) -> None:  # type: ignore[no-untyped-def]
    world = await _world(platform)
    erqi = tokens.district(ERQI)
    assert (await platform.client("funding", erqi).get("/awards")).json() == []
    assert (await platform.client("registry", erqi).get("/projects")).json() == []
    assert [
        p["id"] for p in (await platform.client("registry", tokens.district()).get("/projects")).json()
    ] == [world["project"]["id"]]
    assert (await platform.client("reporting", erqi).get("/rollups/districts")).json() == []
    office_rollups = (await platform.client("reporting", tokens.office()).get("/rollups/districts")).json()
    assert [r["district_code"] for r in office_rollups] == [JINSHUI]

    power = platform.client("notification", tokens.utility("power"))
    housing = platform.client("notification", tokens.department("housing"))
    body = {"event_types": ["registry.project.accepted.v1"], "endpoint_url": "http://127.0.0.1:9/hook"}
    created = (await power.post("/subscriptions", json=body)).json()
    assert created["subscriber_code"] == "power"
    assert (await housing.get("/subscriptions")).json() == []
    assert (await housing.get(f"/subscriptions/{created['id']}")).status_code == 404
    assert [s["id"] for s in (await power.get("/subscriptions")).json()] == [created["id"]]


async def test_the_directory_is_seeded_from_the_programme_profiles(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    orgs = (await registry.get("/organisations")).json()
    by_code = {o["code"]: o for o in orgs}
    assert by_code["finance"]["kind"] == "department"
    assert by_code["zz-jinshui"]["kind"] == "district" and by_code["zz-jinshui"]["name_zh"] == "金水区"
    assert {"power", "telecom", "cable-tv", "water", "gas", "heating"} <= {
        o["code"] for o in orgs if o["kind"] == "utility"
    }
    assert any(o["kind"] == "office" for o in orgs)
    assert all(o["source"] == "seed" for o in orgs)

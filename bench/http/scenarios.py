"""The table's rows: what each endpoint is asked, and the data the registry is seeded with."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import httpx

from bench.http.load import Request
from shared.access import OrganisationKind
from shared.settings import TEST_JWT_SECRET
from shared.web.auth import issue_token

DISTRICT = "zz-jinshui"
PROGRAMME = "zhengzhou-2019"
SEED_COMMUNITIES = 200
SEED_PROJECTS = 50
LIST_PAGE = 20


@dataclass(frozen=True)
class Scenario:
    """One row of the table; `bare` rows run against the bare app."""

    key: str
    label: str
    request: Request
    bare: bool = False


def district_token() -> str:
    """A district token as the test environment's identity provider would sign it (2 h)."""
    return issue_token(
        TEST_JWT_SECRET,
        org_code=DISTRICT,
        org_kind=OrganisationKind.DISTRICT,
        district_code=DISTRICT,
        ttl_s=7200,
    )


def community_body(index: int, built_year: int) -> dict[str, object]:
    return {
        "name": f"金水区文化路{index}号院",
        "district_code": DISTRICT,
        "street_office": "文化路街道",
        "residents_committee": "文化路社区",
        "programme_code": PROGRAMME,
        "built_year": built_year,
        "buildings": 6,
        "households": 320,
        "floor_area_m2": "25000.50",
    }


def project_body(community_id: str) -> dict[str, object]:
    return {"name": "文化路院综合整治", "community_id": community_id, "investment_fen": 123_456_789}


@dataclass(frozen=True)
class Seeded:
    community_id: str
    project_id: str


def seed(base_url: str, token: str) -> Seeded:
    """Communities (every other one ineligible, built too late) and projects, through the API."""
    headers = {"Authorization": f"Bearer {token}"}
    eligible: list[str] = []
    project_id = ""
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for i in range(SEED_COMMUNITIES):
            response = client.post("/communities", json=community_body(i, 1995 if i % 2 == 0 else 2010))
            response.raise_for_status()
            if response.json()["eligible"]:
                eligible.append(response.json()["id"])
        for i in range(SEED_PROJECTS):
            response = client.post("/projects", json=project_body(eligible[i % len(eligible)]))
            response.raise_for_status()
            project_id = response.json()["id"]
    return Seeded(community_id=eligible[0], project_id=project_id)


def scenarios(seeded: Seeded, token: str) -> list[Scenario]:
    """The rows after the bare baseline, in the issue's order."""
    listing = f"/communities?district_code={DISTRICT}&eligible=true&limit={LIST_PAGE}"
    return [
        Scenario("healthz", "/healthz (no auth, no DB)", Request("GET", "/healthz")),
        Scenario(
            "read",
            "GET /projects/{id} (JWT + primary-key read)",
            Request("GET", f"/projects/{seeded.project_id}", token=token),
        ),
        Scenario(
            "list",
            f"GET /communities?eligible=true&limit={LIST_PAGE} (filtered list + count)",
            Request("GET", listing, token=token),
        ),
        Scenario(
            "write",
            "POST /projects (row + outbox + audit)",
            Request("POST", "/projects", body=json.dumps(project_body(seeded.community_id)), token=token),
        ),
    ]


BARE = Scenario(
    "bare",
    "bare FastAPI GET /projects/{id} (no auth, no DB)",
    Request("GET", f"/projects/{uuid.uuid4()}"),
    bare=True,
)

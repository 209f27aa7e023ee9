"""Local demo loader: waits for the four services, loads a little data once, prints the URLs.

Runs as a honcho process (see Procfile), so after printing it waits quietly until Ctrl-C.
"""

from __future__ import annotations

import signal
import sys
import time
from datetime import date, timedelta
from typing import Any

import httpx

from shared.access import OrganisationKind
from shared.clock import shanghai_date, utcnow
from shared.settings import ServiceSettings
from shared.web.auth import issue_token

SERVICES = {
    "registry": "http://127.0.0.1:8001",
    "funding": "http://127.0.0.1:8002",
    "reporting": "http://127.0.0.1:8003",
    "notification": "http://127.0.0.1:8004",
}

COMMUNITIES = [
    ("金水区文化路3号院", "zz-jinshui", 1994, 6, 320, "25000.50", 1_280_000_00, True),
    ("二七区大学路街道12号院", "zz-erqi", 1988, 4, 180, "14200.00", 760_000_00, True),
    ("中原区建设路街道7号院", "zz-zhongyuan", 1999, 9, 540, "41000.00", 2_150_000_00, False),
]


def wait_ready(timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    for name, url in SERVICES.items():
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"demo: {name} at {url} did not become ready")
            time.sleep(1)


def token(org: str, kind: OrganisationKind, district: str | None = None) -> dict[str, str]:
    """A local token signed with the development secret the services use by default."""
    secret = ServiceSettings(service_name="demo").jwt_secret.get_secret_value()
    value = issue_token(secret, org_code=org, org_kind=kind, district_code=district)
    return {"Authorization": f"Bearer {value}"}


OFFICE = token("zz-renovation-office", OrganisationKind.OFFICE)
FINANCE = token("finance", OrganisationKind.DEPARTMENT)


def load(client: httpx.Client) -> None:
    registry = SERVICES["registry"]
    if client.get(f"{SERVICES['reporting']}/rollups/districts", headers=OFFICE).json():
        print("demo: data already loaded (delete ./var to start over)", flush=True)
        return
    for name, district, built, buildings, households, area, investment, accept in COMMUNITIES:
        as_district = token(district, OrganisationKind.DISTRICT, district)
        community = (
            client.post(
                f"{registry}/communities",
                json={
                    "name": name,
                    "district_code": district,
                    "programme_code": "zhengzhou-2019",
                    "built_year": built,
                    "buildings": buildings,
                    "households": households,
                    "floor_area_m2": area,
                },
                headers=as_district,
            )
            .raise_for_status()
            .json()
        )
        project = (
            client.post(
                f"{registry}/projects",
                json={
                    "name": f"{name}综合整治",
                    "community_id": community["id"],
                    "investment_fen": investment,
                },
                headers=as_district,
            )
            .raise_for_status()
            .json()
        )
        if accept:
            walk_to_acceptance(client, project, investment * 97 // 100, as_district)
    approve_first_award(client)
    print("demo: loaded 3 communities and 3 projects; 2 accepted, 1 award approved", flush=True)


def step_bodies(today: str, accepted_fen: int) -> dict[str, dict[str, Any]]:
    """Zhengzhou 2019's steps to acceptance, all dated today (a demo compresses the months)."""
    day = date.fromisoformat(today)
    return {
        "residents-consultation": {
            "consulted_on": today,
            "households_consulted": 150,
            "households_in_favour": 132,
            "publicity_notice": "老旧小区整治内容公示",
            "publicity_from": (day - timedelta(days=7)).isoformat(),
            "publicity_to": (day - timedelta(days=1)).isoformat(),
        },
        "plan-submission": {
            "submitted_on": today,
            "items": [
                {"item_code": "rain-sewage-separation", "investment_fen": accepted_fen // 2},
                {"item_code": "roads-kerbs", "investment_fen": accepted_fen - accepted_fen // 2},
            ],
        },
        "plan-approval": {"approved_on": today, "version": 1},
        "construction-start": {"started_on": today},
        "construction-completion": {"completed_on": today},
        "acceptance": {"accepted_on": today, "accepted_investment_fen": accepted_fen},
    }


def walk_to_acceptance(
    client: httpx.Client, project: dict[str, Any], accepted_fen: int, headers: dict[str, str]
) -> None:
    """Take the project's allowed actions in order until it is accepted."""
    registry = SERVICES["registry"]
    bodies = step_bodies(shanghai_date(utcnow()).isoformat(), accepted_fen)
    while "acceptance" not in project["allowed_actions"][:1]:
        action = next(a for a in project["allowed_actions"] if a in bodies and a != project.get("_last"))
        project = client.post(
            f"{registry}/projects/{project['id']}/{action}", json=bodies[action], headers=headers
        ).raise_for_status().json() | {"_last": action}
    client.post(
        f"{registry}/projects/{project['id']}/acceptance", json=bodies["acceptance"], headers=headers
    ).raise_for_status()


def approve_first_award(client: httpx.Client) -> None:
    """Finance approves the first proposed award, once funding has proposed it."""
    funding = SERVICES["funding"]
    for _ in range(60):
        awards = client.get(f"{funding}/awards", headers=FINANCE).json()
        if awards:
            client.post(f"{funding}/awards/{awards[0]['id']}/approval", headers=FINANCE).raise_for_status()
            return
        time.sleep(0.5)


def main() -> None:
    wait_ready()
    with httpx.Client(timeout=10) as client:
        load(client)
    print("\nThe platform is running. API docs:", flush=True)
    for name, url in SERVICES.items():
        print(f"  {name:<13} {url}/docs", flush=True)
    print(f"  rollups       {SERVICES['reporting']}/rollups/districts", flush=True)
    print(f"  awards        {SERVICES['funding']}/awards", flush=True)
    print("\nEvery API needs a bearer token; issue one with e.g.", flush=True)
    print(
        "  .venv/bin/renovation token issue --org zz-renovation-office\n",
        flush=True,
    )
    signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()

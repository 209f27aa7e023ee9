"""Local demo loader: waits for the four services, loads a little data once, prints the URLs.

Runs as a honcho process (see Procfile), so after printing it waits quietly until Ctrl-C.
"""

from __future__ import annotations

import signal
import sys
import time

import httpx

from shared.access import OrganisationKind
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
            for stage in ("consulted", "planned", "under_construction"):
                client.post(
                    f"{registry}/projects/{project['id']}/stage-transitions",
                    json={"to_stage": stage},
                    headers=as_district,
                ).raise_for_status()
            client.post(
                f"{registry}/projects/{project['id']}/stage-transitions",
                json={
                    "to_stage": "accepted",
                    "effective_on": "2026-11-20",
                    "audited_investment_fen": investment * 97 // 100,
                },
                headers=as_district,
            ).raise_for_status()
    approve_first_award(client)
    print("demo: loaded 3 communities and 3 projects; 2 accepted, 1 award approved", flush=True)


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
        "  .venv/bin/python -m shared.web.auth issue --org zz-renovation-office --kind office\n",
        flush=True,
    )
    signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()

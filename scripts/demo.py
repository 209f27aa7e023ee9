"""Local demo loader: waits for the four services, loads a demo city once, prints the URLs.

The demo city is Zhengzhou 2019's five inner districts with a few hundred communities, generated
through the public APIs only (the registry's ledger and steps, Finance's approvals and payments,
the districts' weekly reports and indicators, the office's bulletin and evaluation), so every
figure on the dashboard, the bulletin and the exports came the way real ones would. Steps are
dated over the past year; two districts finish their task, three lag behind by different amounts;
two districts file last week's report late or not at all. Same seed, same city.

Runs as a honcho process (see Procfile), so after printing it waits quietly until Ctrl-C.
`python -m scripts.demo --once` loads and exits (the URLs come from DEMO_*_URL when set).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from shared.access import OrganisationKind
from shared.clock import shanghai_date, utcnow
from shared.policy import get_profile, sign_offs, step_modes
from shared.settings import ServiceSettings
from shared.web.auth import issue_token

SERVICES = {
    name: os.environ.get(f"DEMO_{name.upper()}_URL", f"http://127.0.0.1:{port}")
    for name, port in (("registry", 8001), ("funding", 8002), ("reporting", 8003), ("notification", 8004))
}
PROGRAMME = "zhengzhou-2019"
CONCURRENCY = 8


@dataclass(frozen=True)
class DistrictPlan:
    """How a district's year went: its communities and how many days ago its projects started."""

    communities: int
    started_days_ago: tuple[int, int]
    streets: tuple[str, ...]
    files_report: str  # "on_time": this week on time (last week late); "late": last week late; "missing"


CITY = {
    "zz-jinshui": DistrictPlan(
        50, (215, 360), ("文化路街道", "经八路街道", "花园路街道", "南阳路街道", "丰产路街道"), "on_time"
    ),
    "zz-zhongyuan": DistrictPlan(
        44, (205, 350), ("建设路街道", "林山寨街道", "桐柏路街道", "棉纺路街道", "三官庙街道"), "on_time"
    ),
    "zz-erqi": DistrictPlan(
        40, (80, 330), ("大学路街道", "淮河路街道", "解放路街道", "铭功路街道", "一马路街道"), "late"
    ),
    "zz-guancheng": DistrictPlan(
        36, (50, 300), ("东大街街道", "北下街街道", "南关街道", "城东路街道", "紫荆山南路街道"), "missing"
    ),
    "zz-huiji": DistrictPlan(30, (25, 250), ("新城街道", "长兴路街道", "迎宾路街道", "刘寨街道"), "missing"),
}
"""200 communities; Jinshui and Zhongyuan finish, Erqi, Guancheng and Huiji lag (least to most)."""

EMPLOYERS = (
    "纺织厂",
    "电业局",
    "棉纺厂",
    "粮食局",
    "商业局",
    "铁路局",
    "邮电局",
    "机械厂",
    "建设局",
    "卷烟厂",
)

# days after the consultation each step happens (the works take 60-120 days: drawn per project)
OFFSETS = {
    "plan-submission": 6,
    "plan-approval": 14,
    "project-approval": 18,
    "design-review": 22,
    "cost-review": 26,
    "tender-award": 32,
    "construction-start": 40,
}
FAILS_ACCEPTANCE = 0.08
REGISTERED_BEFORE_CONSULTATION = timedelta(days=10)
"""A project enters the district's ledger (registered_on) this long before residents are consulted."""


def token(org: str, kind: OrganisationKind, district: str | None = None) -> dict[str, str]:
    """A local token signed with the development secret the services use by default."""
    secret = ServiceSettings(service_name="demo").jwt_secret.get_secret_value()
    value = issue_token(secret, org_code=org, org_kind=kind, district_code=district)
    return {"Authorization": f"Bearer {value}"}


OFFICE = token("zz-renovation-office", OrganisationKind.OFFICE)
FINANCE = token("finance", OrganisationKind.DEPARTMENT)


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


@dataclass
class Project:
    """One generated project: where it is, and the dated steps it will take (up to today)."""

    district: str
    community: dict[str, Any]
    investment_fen: int
    schedule: dict[str, date]
    fails_acceptance: bool
    id: str | None = None
    accepted: bool = False
    taken: list[str] = field(default_factory=list)


def _community(rng: random.Random, district: str, plan: DistrictPlan, n: int) -> dict[str, Any]:
    street = rng.choice(plan.streets)
    base = street.removesuffix("街道")
    name = f"{base}{EMPLOYERS[n % len(EMPLOYERS)]}家属院" if n % 3 == 0 else f"{base}{20 + n}号院"
    households = rng.randrange(80, 640, 4)
    return {
        "name": f"{name}（{n + 1}）" if n % 3 == 0 else name,
        "district_code": district,
        "street_office": street,
        "residents_committee": f"{base}社区",
        "programme_code": PROGRAMME,
        "built_year": rng.randint(1978, 2001),
        "buildings": max(1, households // 60),
        "households": households,
        "floor_area_m2": f"{households * rng.randint(62, 88)}.{rng.randint(0, 99):02d}",
    }


def generate(today: date, seed: int = 2019) -> list[Project]:
    """The city's projects with their schedules (steps after today are simply not taken yet)."""
    rng = random.Random(seed)
    projects = []
    for district, plan in CITY.items():
        for n in range(plan.communities):
            community = _community(rng, district, plan, n)
            investment = (
                community["households"] * rng.randint(9_000, 16_000) * 100
            )  # 0.9-1.6万元 per household
            start = today - timedelta(days=rng.randint(*plan.started_days_ago))
            works = rng.randint(60, 120)
            schedule = {"residents-consultation": start}
            schedule |= {step: start + timedelta(days=d) for step, d in OFFSETS.items()}
            built = schedule["construction-start"] + timedelta(days=works)
            schedule["construction-completion"] = built
            fails = rng.random() < FAILS_ACCEPTANCE
            if fails:
                schedule["acceptance-failure"] = built + timedelta(days=6)
                schedule["rectification"] = built + timedelta(days=16)
            schedule["acceptance"] = built + timedelta(days=24 if fails else 8)
            schedule["final-accounts-audit"] = schedule["acceptance"] + timedelta(days=rng.randint(20, 45))
            schedule["property-takeover"] = schedule["acceptance"] + timedelta(days=rng.randint(10, 40))
            schedule["close-out"] = max(
                schedule["final-accounts-audit"], schedule["property-takeover"]
            ) + timedelta(days=rng.randint(10, 30))
            projects.append(Project(district, community, investment, schedule, fails))
    return projects


def step_body(project: Project, action: str, on: date) -> dict[str, Any]:
    """A valid body for `action`, dated `on`; items, signatories and takeover modes from the profile."""
    profile = get_profile(PROGRAMME)
    day = on.isoformat()
    items = [item.code for item in profile.catalogue.items[:3]]
    total = project.investment_fen
    shares = [total * 5 // 10, total * 3 // 10]
    shares.append(total - sum(shares))
    roles = [s.any_of[0] for s in sign_offs(profile, "acceptance")]
    modes = [m.code for m in step_modes(profile, "property_takeover")] or ["property-company"]
    levels = [level.code for level in profile.service_levels]
    review = {
        "done_on": day,
        "reference": f"郑{project.district[3:5]}改〔{on.year}〕{on.timetuple().tm_yday}号",
    }
    households = project.community["households"]
    bodies: dict[str, dict[str, Any]] = {
        "residents-consultation": {
            "consulted_on": day,
            "households_consulted": households,
            "households_in_favour": households * 9 // 10,
            "publicity_notice": "老旧小区整治提升内容公示",
            "publicity_from": (on - timedelta(days=8)).isoformat(),
            "publicity_to": (on - timedelta(days=1)).isoformat(),
        },
        "plan-submission": {
            "submitted_on": day,
            "items": [{"item_code": c, "investment_fen": f} for c, f in zip(items, shares, strict=False)],
        },
        "plan-approval": {"approved_on": day, "version": 1},
        "project-approval": review,
        "design-review": review,
        "cost-review": review,
        "tender-award": {
            "awarded_on": day,
            "contractor": "河南某建设工程有限公司",
            "supervisor": "郑州某监理公司",
        },
        "construction-start": {"started_on": day},
        "construction-completion": {"completed_on": day},
        "acceptance-failure": {
            "inspected_on": day,
            "defects": [
                {"description": "雨污管道接口渗漏", "recorded_by": roles[0] if roles else "district"}
            ],
        },
        "rectification": {"rectified_on": day},
        "acceptance": {
            "accepted_on": day,
            "accepted_investment_fen": total,
            "sign_offs": [{"role": r, "signatory": f"{r} 签字人", "signed_on": day} for r in roles],
        },
        "final-accounts-audit": {"audited_on": day, "audited_investment_fen": total * 97 // 100},
        "property-takeover": {
            "taken_over_on": day,
            "mode": modes[0],
            "manager": "郑州某物业服务有限公司",
            **({"service_level": levels[-1]} if levels else {}),
        },
        "close-out": {"closed_on": day},
    }
    return bodies[action]


class Loader:
    """Issues the demo's requests with bounded concurrency and counts them."""

    def __init__(self, client: httpx.AsyncClient, today: date) -> None:
        self.client = client
        self.today = today
        self.gate = asyncio.Semaphore(CONCURRENCY)
        self.requests = 0

    async def call(self, method: str, url: str, headers: dict[str, str], body: Any = None) -> Any:
        async with self.gate:
            self.requests += 1
            for attempt in range(5):
                response = await self.client.request(method, url, json=body, headers=headers)
                if response.status_code not in (429, 503):
                    break
                await asyncio.sleep(0.5 * (attempt + 1))
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:400]}")
        return response.json()

    async def walk(self, project: Project) -> None:
        """Register the community and project, then take each allowed step whose day has come."""
        registry = SERVICES["registry"]
        headers = token(project.district, OrganisationKind.DISTRICT, project.district)
        community = await self.call("POST", f"{registry}/communities", headers, project.community)
        registered_on = project.schedule["residents-consultation"] - REGISTERED_BEFORE_CONSULTATION
        body = {
            "name": f"{project.community['name']}整治提升",
            "community_id": community["id"],
            "registered_on": min(registered_on, self.today).isoformat(),
        }
        state = await self.call(
            "POST", f"{registry}/projects", headers, body | {"investment_fen": project.investment_fen}
        )
        project.id = state["id"]
        failed_once = False
        for _ in range(30):
            allowed = [
                a for a in state["allowed_actions"] if a in project.schedule and a not in project.taken
            ]
            if project.fails_acceptance and not failed_once and "acceptance-failure" in allowed:
                allowed = ["acceptance-failure"]
            elif "rectification" in allowed:
                allowed = ["rectification"]
            elif "acceptance-failure" in allowed:
                allowed.remove("acceptance-failure")
            if not allowed:
                return
            action = allowed[0]
            on = max([project.schedule[action], *(project.schedule[a] for a in project.taken[-1:])])
            if on > self.today:
                return
            state = await self.call(
                "POST", f"{registry}/projects/{project.id}/{action}", headers, step_body(project, action, on)
            )
            project.taken.append(action)
            failed_once = failed_once or action == "acceptance-failure"
            project.accepted = project.accepted or action == "acceptance"
            if action == "close-out":
                return


async def _awards(loader: Loader, projects: list[Project], rng: random.Random) -> tuple[int, int]:
    """Finance approves most proposed awards (all of the finished districts') and pays tranches."""
    funding = SERVICES["funding"]
    accepted = {p.id: p for p in projects if p.accepted}
    awards: list[dict[str, Any]] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        awards = await loader.call("GET", f"{funding}/awards", FINANCE)
        if len(awards) >= len(accepted):
            break
        await asyncio.sleep(1)
    approved = paid = 0

    async def settle(award: dict[str, Any]) -> None:
        nonlocal approved, paid
        project = accepted.get(award["project_id"])
        if project is None or award["status"] != "proposed":
            return
        finished = CITY[project.district].files_report == "on_time"
        if not finished and rng.random() < 0.3:
            return  # still with Finance
        key = {"Idempotency-Key": f"demo-approve-{award['id']}"}
        award = await loader.call("POST", f"{funding}/awards/{award['id']}/approval", FINANCE | key)
        approved += 1
        share = 1 if "close-out" in project.taken else (2 if finished else 3)
        amount = award["amount_fen"] // share
        if amount <= 0:
            return
        paid_on = loader.today  # a tranche is paid on or after its approval, which is today
        body = {
            "amount_fen": amount,
            "paid_on": paid_on.isoformat(),
            "reference": f"郑财拨〔{paid_on.year}〕",
        }
        await loader.call("POST", f"{funding}/awards/{award['id']}/tranches", FINANCE, body)
        paid += 1

    await asyncio.gather(*(settle(a) for a in awards))
    return approved, paid


async def _reports(loader: Loader, today: date) -> None:
    """Last week's reports: on time where the week is not yet due, late, or missing; and indicators."""
    reporting = SERVICES["reporting"]
    this_monday = today - timedelta(days=today.weekday())
    for district, plan in CITY.items():
        headers = token(district, OrganisationKind.DISTRICT, district)
        last_monday = this_monday - timedelta(days=7)
        # last week's deadline has passed, so a report for it is late; this week's is on time
        weeks = {"on_time": [last_monday, this_monday], "late": [last_monday], "missing": []}
        for week_of in weeks[plan.files_report]:
            body = {
                "programme_code": PROGRAMME,
                "week_of": week_of.isoformat(),
                "projects_started": 2,
                "projects_completed": 3,
                "projects_accepted": 2,
                "investment_completed_fen": 3_860_000_00,
                "narrative": f"本周{plan.streets[0]}等处整治提升工程有序推进，完成雨污分流和道路修补。",
                "problems": None if plan.files_report == "on_time" else "部分管线单位进场迟缓，需市级协调。",
            }
            await loader.call("POST", f"{reporting}/weekly-reports", headers, body)
        for days_ago, share in ((370, 0.35), (5, 0.62 if plan.files_report == "on_time" else 0.30)):
            measured = today - timedelta(days=days_ago)
            body = {
                "programme_code": PROGRAMME,
                "indicator_code": "professional-property-coverage",
                "measured_on": measured.isoformat(),
                "numerator": str(int(plan.communities * share)),
                "denominator": str(plan.communities),
                "source": "区住房保障部门物业管理台账",
            }
            try:
                await loader.call("POST", f"{reporting}/indicators/reports", headers, body)
            except RuntimeError as exc:
                print(f"demo: indicator not reported ({exc})", flush=True)


async def _wait_counted(loader: Loader, projects: list[Project]) -> None:
    """Until reporting has projected every acceptance (the events take a moment)."""
    expected = sum(p.accepted for p in projects)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = await loader.call("GET", f"{SERVICES['reporting']}/rollups/districts", OFFICE)
        if sum(r["accepted_projects"] for r in rows) >= expected:
            return
        await asyncio.sleep(1)


async def load_city(client: httpx.AsyncClient) -> str:
    """Generate and load the city; returns a one-line summary."""
    today = shanghai_date(utcnow())
    loader = Loader(client, today)
    projects = generate(today)
    rng = random.Random(47)
    await asyncio.gather(*(loader.walk(p) for p in projects))
    approved, paid = await _awards(loader, projects, rng)
    await _reports(loader, today)
    await _wait_counted(loader, projects)
    reporting = SERVICES["reporting"]
    last_week = today - timedelta(days=today.weekday() + 7)
    await loader.call(
        "POST",
        f"{reporting}/bulletins",
        OFFICE,
        {"programme_code": PROGRAMME, "week_of": last_week.isoformat()},
    )
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    try:
        await loader.call(
            "POST", f"{reporting}/evaluations", OFFICE, {"programme_code": PROGRAMME, "month": last_month}
        )
    except RuntimeError as exc:
        print(f"demo: evaluation not published ({exc})", flush=True)
    accepted = sum(p.accepted for p in projects)
    return (
        f"demo: loaded {len(projects)} communities in {len(CITY)} districts; {accepted} accepted, "
        f"{approved} awards approved, {paid} tranches paid; last week's bulletin and"
        f" {last_month}'s evaluation published ({loader.requests} requests)"
    )


def load(client: httpx.Client) -> None:
    if client.get(f"{SERVICES['reporting']}/rollups/districts", headers=OFFICE).json():
        print("demo: data already loaded (delete ./var to start over)", flush=True)
        return
    started = time.monotonic()
    summary = asyncio.run(_load_async())
    print(f"{summary} in {time.monotonic() - started:.0f} s", flush=True)


async def _load_async() -> str:
    async with httpx.AsyncClient(timeout=30) as client:
        return await load_city(client)


def main() -> None:
    wait_ready()
    with httpx.Client(timeout=10) as client:
        load(client)
    if "--once" in sys.argv:
        return
    print("\nThe platform is running. API docs:", flush=True)
    for name, url in SERVICES.items():
        print(f"  {name:<13} {url}/docs", flush=True)
    print(f"  dashboard     {SERVICES['reporting']}/dashboard/", flush=True)
    print(f"  rollups       {SERVICES['reporting']}/rollups/districts", flush=True)
    print(f"  awards        {SERVICES['funding']}/awards", flush=True)
    print("\nEvery API (and the dashboard) needs a bearer token; issue one with e.g.", flush=True)
    print(
        "  .venv/bin/renovation token issue --org zz-renovation-office\n",
        flush=True,
    )
    signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()

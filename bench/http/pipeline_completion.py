"""The utility's completion endpoint under load, beside a bare FastAPI endpoint in the same run.

    python -m bench.http.pipeline_completion [--duration 10] [--warmup 3] [--connections 16]
                                             [--runs 1] [--databases postgresql,sqlite] [--works 12000]

Issue 8 asks `POST /pipeline-works/{id}/completion` for ≥ 0.35 of a bare endpoint's requests/s
with p95 ≤ 2.5×. Every request is a real completion: the registry (as deployed, one worker) is
seeded with `--works` pipeline works assigned by a district and started by the
power company, and wrk completes a different work with a fresh `Idempotency-Key` each time (JWT,
key claimed and stored, work row locked, status checked, row updated, outbox row, audit entry).
The baseline is a bare FastAPI app (one uvicorn worker) answering the same path, headers and
body with pydantic validation and a work-shaped JSON, no auth, no database. A run that exhausts
the seeded works would answer 409s: they are counted in the non-2xx column, never hidden.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from bench.harness import BenchContext, Stack, fact_lines, median_run, ratio, run_on_stack, say
from bench.http.load import MARKER, LoadResult, ensure_wrk
from bench.http.servers import ServerProcess, _start, free_port, start_registry
from services.registry.handlers.pipeline import assign_work, start_work
from services.registry.models.pipeline import PipelineWorkAssignment, PipelineWorkStart
from shared.access import OrganisationKind, Principal
from shared.clock import shanghai_date
from shared.db import UnitOfWork, create_engine, create_sessions
from shared.settings import TEST_JWT_SECRET
from shared.web.auth import issue_token

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "registry" / "migrations"
DISTRICT, UTILITY, PROGRAMME, ITEM = "zz-jinshui", "power", "zhengzhou-2019", "overhead-lines"
PROJECTS = 20
UNPUBLISHED = "SELECT count(*) FROM outbox_message WHERE state = 'pending'"
AIM_RPS, AIM_P95 = 0.35, 2.5

LUA = """
-- one completion per request: the next seeded work and a fresh Idempotency-Key
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local next_index = tonumber(os.getenv("BENCH_START"))
local prefix = os.getenv("BENCH_KEY_PREFIX")
local body = os.getenv("BENCH_BODY")
local auth = os.getenv("BENCH_AUTHORIZATION")
request = function()
  local path = paths[(next_index % #paths) + 1]
  next_index = next_index + 1
  local headers = {["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. next_index}
  if #auth > 0 then headers["Authorization"] = auth end
  return wrk.format("POST", path, headers, body)
end
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


class _Completion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completed_on: date
    scope_done: str = Field(min_length=1, max_length=2000)
    evidence_ref: str = Field(min_length=1, max_length=200)


def bare_completion_app() -> FastAPI:
    """The baseline: the same route and body, validated, answered with a work-shaped JSON."""
    app = FastAPI()

    @app.post("/pipeline-works/{work_id}/completion")
    async def complete(work_id: uuid.UUID, body: _Completion) -> dict[str, object]:
        return {
            "id": str(work_id),
            "project_id": str(work_id),
            "district_code": DISTRICT,
            "programme_code": PROGRAMME,
            "item_code": ITEM,
            "utility_code": UTILITY,
            "scope": "架空电力线入地改造",
            "planned_start_on": "2026-05-01",
            "planned_end_on": "2026-07-31",
            "status": "completed",
            "started_on": "2026-05-02",
            **body.model_dump(mode="json"),
            "exempted": False,
            "created_at": "2026-05-01T08:00:00+08:00",
            "updated_at": "2026-08-01T08:00:00+08:00",
        }

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _token(org: str, kind: OrganisationKind, district: str | None = None) -> str:
    return issue_token(TEST_JWT_SECRET, org_code=org, org_kind=kind, district_code=district, ttl_s=7200)


def _start_bare(log_dir: Path) -> ServerProcess:
    port = free_port()
    argv = [
        sys.executable, "-m", "uvicorn", "bench.http.pipeline_completion:bare_completion_app",
        "--factory", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip
    return _start("bare-completion", argv, {}, port, log_dir)


async def _seed(base_url: str, database_url: str, works: int, started_on: date) -> list[str]:
    """Projects through the API, then `works` pipeline works assigned by the district and started
    by the power company through the registry's own commands (500 per transaction, so seeding a
    large run takes seconds, not minutes); waits until the relay has published every event, so
    the measured runs do not pay for the seeding's. Returns the completion paths."""
    district = Principal("bench@district", DISTRICT, OrganisationKind.DISTRICT, district_code=DISTRICT)
    power = Principal("bench@power", UTILITY, OrganisationKind.UTILITY)
    headers = {"Authorization": f"Bearer {_token(DISTRICT, OrganisationKind.DISTRICT, DISTRICT)}"}
    projects: list[uuid.UUID] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60, headers=headers) as client:
        for i in range(PROJECTS):
            community = await client.post("/communities", json=_community(i))
            community.raise_for_status()
            body = {"name": "管线改造", "community_id": community.json()["id"], "investment_fen": 100_000_00}
            project = await client.post("/projects", json=body)
            project.raise_for_status()
            projects.append(uuid.UUID(project.json()["id"]))
    assignment = PipelineWorkAssignment.model_validate(
        {
            "item_code": ITEM,
            "utility_code": UTILITY,
            "scope": "架空电力线入地改造，表箱更新",
            "planned_start_on": started_on,
            "planned_end_on": started_on + timedelta(days=60),
        }
    )
    start = PipelineWorkStart(started_on=started_on)
    engine = create_engine(database_url)
    unit_of_work = UnitOfWork(create_sessions(engine))
    paths: list[str] = []
    try:
        for first in range(0, works, 500):
            async with unit_of_work() as session:
                now = datetime.now(UTC)
                for index in range(first, min(first + 500, works)):
                    work = await assign_work(session, district, projects[index % PROJECTS], assignment, now)
                    await start_work(session, power, work.id, start, now)
                    paths.append(f"/pipeline-works/{work.id}/completion")
        say(f"seeded {len(paths)} works; waiting for the relay to publish the seeding's events")
        async with engine.connect() as conn:
            while (await conn.execute(text(UNPUBLISHED))).scalar_one():
                await conn.rollback()
                await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    return paths


def _community(index: int) -> dict[str, object]:
    return {
        "name": f"金水区管线{index}号院",
        "district_code": DISTRICT,
        "street_office": "文化路街道",
        "programme_code": PROGRAMME,
        "built_year": 1995,
        "buildings": 6,
        "households": 320,
        "floor_area_m2": "25000.50",
    }


@dataclass
class _Driver:
    """wrk with the completion script: each run takes the next slice of the seeded works."""

    wrk: str
    script: Path
    paths_file: Path
    body: str
    token: str | None
    connections: int
    next_index: int = 0
    runs: int = 0

    def run(self, base_url: str, seconds: float) -> LoadResult:
        self.runs += 1
        env = {
            **os.environ,
            "BENCH_PATHS": str(self.paths_file),
            "BENCH_START": str(self.next_index),
            "BENCH_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}-",
            "BENCH_BODY": self.body,
            "BENCH_AUTHORIZATION": f"Bearer {self.token}" if self.token else "",
        }
        argv = [
            self.wrk, "-t1", f"-c{self.connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
            "-s", str(self.script), base_url + "/",
        ]  # fmt: skip
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 120)
        for line in done.stdout.splitlines():
            if line.startswith(MARKER):
                raw = json.loads(line[len(MARKER) :])
                # requests still in flight when wrk stopped were sent too: skip past them
                self.next_index += raw["requests"] + 2 * self.connections
                return LoadResult(
                    requests=raw["requests"],
                    seconds=raw["duration_us"] / 1e6,
                    non_2xx=raw["non_2xx"],
                    socket_errors=raw["socket_errors"],
                    p50_ms=raw["p50_us"] / 1000,
                    p95_ms=raw["p95_us"] / 1000,
                    p99_ms=raw["p99_us"] / 1000,
                )
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


@dataclass(frozen=True)
class _Row:
    database: str
    label: str
    result: LoadResult
    baseline: LoadResult

    def line(self) -> str:
        r, b = self.result, self.baseline
        rps_ratio, p95_ratio = ratio(r.rps, b.rps), ratio(r.p95_ms, b.p95_ms)
        aim = ""
        if r is not b:
            met = rps_ratio >= AIM_RPS and p95_ratio <= AIM_P95
            aim = f"{'met' if met else 'NOT met'} (≥{AIM_RPS}, p95 ≤{AIM_P95}×)"
        return (
            f"| {self.label} | {self.database} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} | "
            f"{r.p99_ms:.1f} | {rps_ratio:.2f} | {p95_ratio:.2f} | {r.non_2xx + r.socket_errors} | {aim} |"
        )


def _measure(driver: _Driver, server: ServerProcess, args: argparse.Namespace) -> LoadResult:
    say(f"{server.name}: warm-up {args.warmup:.0f}s, then {args.runs} × {args.duration:.0f}s")
    driver.run(server.url, args.warmup)
    return median_run([driver.run(server.url, args.duration) for _ in range(args.runs)], key=lambda r: r.rps)


def _one_database(
    database: str, args: argparse.Namespace, ctx: BenchContext, stack: Stack, wrk: str, tmp: Path
) -> list[_Row]:
    today = shanghai_date(datetime.now().astimezone())
    body = json.dumps(
        {
            "completed_on": today.isoformat(),
            "scope_done": "架空线全部入地，表箱更新",
            "evidence_ref": "供电竣工单-2026-017",
        },
        ensure_ascii=False,
    )
    script = tmp / "completion.lua"
    script.write_text(LUA)
    bare_paths = tmp / "bare-paths.txt"
    bare_paths.write_text("\n".join(f"/pipeline-works/{uuid.uuid4()}/completion" for _ in range(1000)) + "\n")
    bare = _start_bare(tmp)
    try:
        baseline = _measure(_Driver(wrk, script, bare_paths, body, None, args.connections), bare, args)
    finally:
        bare.stop()
    if database == "postgresql":
        url = asyncio.run(ctx.databases.create(f"bench_pipeline_{ctx.label}", MIGRATIONS))
    elif database == "sqlite":
        url = f"sqlite:///{tmp}/registry-pipeline-{ctx.label}.db"
    else:
        raise SystemExit(f"unknown database {database!r}")
    label = f"{ctx.label}pl{database[:2]}"
    registry = start_registry(label, url, stack.bootstrap, tmp / f"data-{label}", tmp)
    try:
        say(f"{registry.name}: seeding {args.works} started pipeline works")
        paths = asyncio.run(_seed(registry.url, url, args.works, today - timedelta(days=1)))
        paths_file = tmp / f"paths-{label}.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        power = _token(UTILITY, OrganisationKind.UTILITY)
        result = _measure(_Driver(wrk, script, paths_file, body, power, args.connections), registry, args)
    finally:
        registry.stop()
    return [
        _Row(
            database,
            "bare FastAPI POST /pipeline-works/{id}/completion (validation, no auth, no DB)",
            baseline,
            baseline,
        ),
        _Row(
            database,
            "registry POST /pipeline-works/{id}/completion (JWT, key, lock, outbox, audit)",
            result,
            baseline,
        ),
    ]


async def _run_bench(args: argparse.Namespace, stack: Stack) -> str:
    ctx = BenchContext.on(stack)
    wrk = await asyncio.to_thread(ensure_wrk)
    if wrk is None:
        raise SystemExit("wrk is needed (apt-get install wrk); it could not be installed")
    facts = stack.facts(partitions=3)
    facts.append(("load generator", f"{wrk}, 1 thread, {args.connections} connections"))
    facts.append(("per endpoint", f"{args.warmup:.0f}s warm-up, {args.runs} × {args.duration:.0f}s measured"))
    facts.append(
        ("seeded", f"{args.works} started works over {PROJECTS} projects, each completed at most once")
    )
    rows: list[_Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
            for database in args.databases.split(","):
                rows += await asyncio.to_thread(_one_database, database, args, ctx, stack, wrk, Path(tmp))
    finally:
        await ctx.databases.drop_all()
    lines = ["Utility completion endpoint vs a bare FastAPI endpoint (one uvicorn worker each, loopback)"]
    lines += [*fact_lines(facts), ""]
    lines.append(
        "| endpoint | database | requests/s | p50 ms | p95 ms | p99 ms "
        "| ratio req/s | ratio p95 | non-2xx | aim |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    lines += [row.line() for row in rows]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.http.pipeline_completion", description=__doc__)
    p.add_argument("--duration", type=float, default=10, help="seconds per measured run (default 10)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per endpoint (default 3)")
    p.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    p.add_argument("--runs", type=int, default=1, help="measured runs per endpoint; the median is shown")
    p.add_argument("--databases", default="postgresql", help="comma-separated: postgresql,sqlite")
    p.add_argument("--works", type=int, default=12000, help="started works to seed (default 12000)")
    return p


def main() -> int:
    args = parser().parse_args()
    return run_on_stack(lambda stack: _run_bench(args, stack), prefix="bench-pipeline-")


if __name__ == "__main__":
    sys.exit(main())

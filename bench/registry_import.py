"""Ledger import and list-query benchmark (issue 8): a generated 20,000-community XLSX ledger is
imported over HTTP (POST /ledger/imports, then GET /ledger/imports/{id} until done) and timed from
the upload to the job's end, with every row validated and registered as POST /communities would
(assessment, audit entry); then GET /communities with filters and pages is loaded by concurrent
clients and its latency percentiles printed.

The registry runs in its own uvicorn process on 127.0.0.1 (no Kafka: the app gets a runtime with
its database only, as the handler tests build it); the load comes from this process. SQLite
always; PostgreSQL too when one can be found or started (DATABASE_URL, or a native cluster by
deploy/postgres/launcher.py, as the other benchmarks do).

    .venv/bin/python -m bench.registry_import                  # 20,000 rows, 20 clients
    .venv/bin/python -m bench.registry_import --rows 5000 --clients 10 --requests 1000
    .venv/bin/python -m bench.registry_import --no-postgres
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from openpyxl import Workbook

from bench.harness.stats import median
from services.registry.domain.ledger_columns import COLUMNS
from shared.access import OrganisationKind
from shared.settings import TEST_JWT_SECRET
from shared.web.auth import issue_token

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "services" / "registry" / "migrations"
PROGRAMME = "kaifeng-2019"
DISTRICT = "kf-gulou"
STREETS = ["相国寺街道", "州桥街道", "西司门街道", "卧龙街道", "五一街道", "新华街道", "北道门街道"]
TIERS = ["实施一批", "谋划一批", "储备一批", ""]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_URL_ENV = "BENCH_REGISTRY_DATABASE_URL"


def serve_app() -> Any:
    """The uvicorn factory: the registry app on the database in BENCH_REGISTRY_DATABASE_URL."""
    from services.registry.main import create_registry_app
    from services.registry.settings import RegistrySettings
    from shared.clock import SystemClock
    from shared.db import UnitOfWork, create_engine, create_sessions
    from shared.web.collector import tune_collector

    url = os.environ[_URL_ENV]
    settings = RegistrySettings(environment="test", rate_limits_enabled=False, database_url=url)
    tune_collector(settings.gc_thresholds)  # as `shared.web.runner.serve` does for a service process
    app = create_registry_app(settings)
    engine = create_engine(url)
    app.state.runtime = SimpleNamespace(
        settings=settings,
        engine=engine,
        unit_of_work=UnitOfWork(create_sessions(engine)),
        clock=SystemClock(),
        tasks=[],
    )
    return app


def ledger_xlsx(rows: int, seed: int = 8) -> bytes:
    """A district's ledger of `rows` communities with the template's headings; about one in
    eight built after Kaifeng's cut-off (ineligible, recorded with its reasons)."""
    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append([c.heading for c in COLUMNS])
    for i in range(rows):
        values = {
            "name": f"鼓楼{i:05d}号院",
            "address": f"鼓楼区{rng.choice(STREETS)[:-2]}路{i}号",
            "district_code": "鼓楼区",
            "street_office": rng.choice(STREETS),
            "residents_committee": f"第{i % 90}社区",
            "built_year": rng.randint(1975, 2007),
            "buildings": rng.randint(1, 40),
            "households": rng.randint(20, 2000),
            "floor_area_m2": round(rng.uniform(1000, 200000), 2),
            "property_right_type": rng.choice(["单位产权", "房改房", "商品房"]),
            "property_management": rng.choice(["无物业管理", "单位自管", "物业公司"]),
            "notes": "",
            "exclusions": "",
            "tier": rng.choice(TIERS),
            "demonstration": "是" if i % 50 == 0 else "否",
            "centrally_funded": "是" if i % 200 == 0 else "否",  # 100: within Kaifeng's 117
        }
        sheet.append([values[c.field] for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The registry in a uvicorn subprocess on loopback."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        env = {**os.environ, _URL_ENV: url}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "bench.registry_import:serve_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--lifespan",
                "off",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    url = f"{self.base}/ledger/template"
                    await client.get(url, params={"format": "csv"}, headers=_auth())
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("the registry did not start")

    def cpu_s(self) -> float:
        """CPU seconds the server process has used (user + system, all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _auth() -> dict[str, str]:
    kind = OrganisationKind.DISTRICT
    token = issue_token(TEST_JWT_SECRET, org_code=DISTRICT, org_kind=kind, district_code=DISTRICT)
    return {"Authorization": f"Bearer {token}"}


def _office() -> dict[str, str]:
    token = issue_token(TEST_JWT_SECRET, org_code="office", org_kind=OrganisationKind.OFFICE)
    return {"Authorization": f"Bearer {token}"}


async def import_ledger(base: str, content: bytes) -> dict[str, Any]:
    """Upload and wait for the job; the figures of the import."""
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        started = time.perf_counter()
        response = await client.post(
            "/ledger/imports",
            params={"programme_code": PROGRAMME},
            content=content,
            headers={**_auth(), "Content-Type": XLSX},
        )
        accepted = time.perf_counter()
        if response.status_code != 202:
            raise RuntimeError(f"upload refused: {response.status_code} {response.text[:500]}")
        job_id = response.json()["id"]
        while True:
            job = (await client.get(f"/ledger/imports/{job_id}", headers=_auth())).json()
            if job["status"] in ("done", "failed"):
                break
            await asyncio.sleep(0.25)  # polling is measured too: not more than a user would
        ended = time.perf_counter()
    return {"job": job, "total_s": ended - started, "accept_s": accepted - started}


def _queries(rng: random.Random, total: int) -> list[dict[str, Any]]:
    """A mix of the office's and the district's list queries: filters, then a page of them."""
    pages = max(1, total // 100)
    shapes: list[dict[str, Any]] = [
        {"programme_code": PROGRAMME},
        {"programme_code": PROGRAMME, "district_code": DISTRICT, "eligible": "true"},
        {"street_office": rng.choice(STREETS)},
        {"tier": rng.choice(["implement", "plan", "reserve"])},
        {"demonstration": "true"},
        {"centrally_funded": "true"},
        {"eligible": "false", "street_office": rng.choice(STREETS)},
    ]
    shape = dict(rng.choice(shapes))
    shape["limit"] = 50
    shape["offset"] = rng.randrange(0, pages) * 50 if len(shape) <= 2 else 0
    return [shape]


async def load_lists(base: str, clients: int, requests: int, seed: int = 15) -> dict[str, Any]:
    """`requests` list queries from `clients` concurrent clients; latencies in ms."""
    rng = random.Random(seed)
    total = await _count(base)
    plan = [_queries(rng, total)[0] for _ in range(requests)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for params in plan:
        queue.put_nowait(params)
    headers = [_office(), _auth()]

    async def client_loop(n: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=600) as client:
            while not queue.empty():
                params = queue.get_nowait()
                started = time.perf_counter()
                response = await client.get("/communities", params=params, headers=headers[n % 2])
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "statuses": statuses,
        "rps": len(latencies) / elapsed,
        "p50": median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
    }


async def _count(base: str) -> int:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.get("/communities", params={"limit": 1}, headers=_office())
        return int(response.headers["X-Total-Count"])


async def run_on(label: str, url: str, content: bytes, rows: int, args: argparse.Namespace) -> list[str]:
    from shared.db import run_migrations

    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    server = Server(url)
    try:
        await server.ready()
        cpu = server.cpu_s()
        result = await import_ledger(server.base, content)
        import_cpu, cpu = server.cpu_s() - cpu, server.cpu_s()
        job = result["job"]
        again = await import_ledger(server.base, content)
        cpu = server.cpu_s()
        lists = await load_lists(server.base, args.clients, args.requests)
        lists_cpu = server.cpu_s() - cpu
    finally:
        server.stop()
    return [
        f"{label}: import of {rows} rows: status {job['status']}, imported {job['rows_imported']}, "
        f"invalid {job['rows_invalid']}",
        f"  {rows / result['total_s']:,.0f} rows/s ({result['total_s']:.2f} s upload to done; the upload "
        f"itself, read and headings checked, {result['accept_s']:.2f} s); the server used "
        f"{import_cpu:.2f} CPU s: {rows / import_cpu:,.0f} rows per CPU second",
        f"  re-import of the same file: {again['job']['rows_unchanged']} unchanged, "
        f"{again['job']['rows_imported']} imported, {rows / again['total_s']:,.0f} rows/s",
        f"  GET /communities (filters, 50 a page) by {args.clients} clients: {lists['requests']} requests "
        f"{lists['statuses']}, {lists['rps']:,.0f} req/s, p50 {lists['p50']:.1f} ms, "
        f"p95 {lists['p95']:.1f} ms, p99 {lists['p99']:.1f} ms; the server used {lists_cpu:.2f} CPU s: "
        f"{1000 * lists_cpu / lists['requests']:.1f} CPU ms a request",
    ]


async def main(args: argparse.Namespace) -> None:
    content = ledger_xlsx(args.rows)
    lines = [
        f"ledger: {args.rows} communities, XLSX {len(content) / 1024 / 1024:.1f} MiB; "
        f"cores {os.cpu_count()}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    ]
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as work:
        url = f"sqlite:///{work}/registry.db"
        lines += await run_on("SQLite", url, content, args.rows, args)
        if not args.no_postgres:
            lines += await _on_postgres(Path(work), content, args)
    print("\n".join(lines))


async def _on_postgres(work: Path, content: bytes, args: argparse.Namespace) -> list[str]:
    try:
        from deploy.postgres.launcher import postgres_from_env_or_start

        server = await asyncio.to_thread(postgres_from_env_or_start, work / "pg")
    except Exception as exc:  # noqa: BLE001 - the figures say why PostgreSQL is missing
        return [f"PostgreSQL: not run ({exc})"]
    name = f"bench_ledger_{uuid.uuid4().hex[:8]}"
    try:
        url = await asyncio.to_thread(server.create_database, name)
        return await run_on("PostgreSQL", url, content, args.rows, args)
    finally:
        stop = getattr(server, "stop", None)
        if stop is not None and not os.environ.get("DATABASE_URL"):
            await asyncio.to_thread(stop)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.registry_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000, help="communities in the ledger (default 20000)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent list clients (default 20)")
    parser.add_argument("--requests", type=int, default=2_000, help="list requests in all (default 2000)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    return parser


if __name__ == "__main__":
    asyncio.run(main(_parser().parse_args()))

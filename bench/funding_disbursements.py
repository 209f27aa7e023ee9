"""Disbursement benchmark (issue 9): tranches paid through funding's HTTP API on PostgreSQL, with
the journal, and a concurrency run showing the paid total never exceeds the approved award.

What one request does (POST /awards/{id}/tranches as Finance, with an Idempotency-Key): verify the
bearer token, record the key, lock the award row, derive its balances from the journal, insert the
tranche, its journal posting, an outbox row (SubsidyDisbursed) and an audit entry, commit. The
outbox relay is not running (no Kafka here): the row is written in the same transaction as in
production, only not published.

Baselines measured in the same run, with the same clients and concurrency:

* a bare FastAPI POST on uvicorn (no auth, no database), the ceiling of the HTTP path;
* a single-row INSERT per transaction on the same PostgreSQL server, the ceiling of one commit.

Runs: `--clients` clients, each paying 1 fen tranches against its own award (no lock contention),
`--requests` requests per run, median of `--runs`; then `--racers` (50) parallel tranches of
1 000 fen against ONE award approved for `--racers` × 800 fen (so only 40 fit): it prints how many
were paid and refused, and the paid total from the journal against the approved amount.

    .venv/bin/python -m bench.funding_disbursements
    .venv/bin/python -m bench.funding_disbursements --clients 16 --requests 3000 --runs 3

The funding app runs in its own uvicorn process on 127.0.0.1; PostgreSQL is DATABASE_URL's or a
native cluster started by deploy/postgres/launcher.py, as the other benchmarks do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import text

from bench.harness.stats import median, ratio

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "services" / "funding" / "migrations"
_URL_ENV = "BENCH_FUNDING_DATABASE_URL"
TRANCHE = 1_000  # fen, in the concurrency run


def serve_app() -> Any:
    """The uvicorn factory: the funding app on BENCH_FUNDING_DATABASE_URL, without Kafka."""
    from services.funding.main import create_funding_app
    from services.funding.settings import FundingSettings
    from shared.clock import SystemClock
    from shared.db import UnitOfWork, create_engine, create_sessions

    url = os.environ[_URL_ENV]
    settings = FundingSettings(environment="test", rate_limits_enabled=False, database_url=url)
    app = create_funding_app(settings)
    engine = create_engine(url)
    app.state.runtime = SimpleNamespace(
        settings=settings,
        engine=engine,
        unit_of_work=UnitOfWork(create_sessions(engine)),
        clock=SystemClock(),
        tasks=[],
        producer=None,
        http=None,
    )
    return app


def bare_post_app() -> Any:
    """The HTTP baseline: a FastAPI POST taking the same body, with nothing behind it."""
    from fastapi import FastAPI
    from pydantic import BaseModel

    class Body(BaseModel):
        amount_fen: int
        paid_on: date

    app = FastAPI()

    @app.post("/awards/{award_id}/tranches", status_code=201)
    async def pay(award_id: uuid.UUID, body: Body) -> dict[str, object]:
        return {"id": str(uuid.uuid4()), "award_id": str(award_id), "amount_fen": body.amount_fen}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A uvicorn subprocess on loopback serving one of the factories above."""

    def __init__(self, factory: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        argv = [
            sys.executable, "-m", "uvicorn", "--factory", f"bench.funding_disbursements:{factory}",
            "--host", "127.0.0.1", "--port", str(self.port), "--lifespan", "off",
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env})
        self.base = f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                try:
                    await client.get(f"{self.base}/healthz")
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _finance() -> dict[str, str]:
    from shared.access import OrganisationKind
    from shared.settings import TEST_JWT_SECRET
    from shared.web.auth import issue_token

    token = issue_token(TEST_JWT_SECRET, org_code="finance", org_kind=OrganisationKind.DEPARTMENT)
    return {"Authorization": f"Bearer {token}"}


async def seed_awards(url: str, amounts: list[int]) -> list[uuid.UUID]:
    """Approved Zhengzhou 2019 awards of (about) the given amounts, through funding's own handlers:
    ProjectAccepted proposes 40% of the accepted investment, Finance approves it."""
    from services.funding.handlers import awards
    from shared.access import OrganisationKind, Principal, Scope
    from shared.bus.subscriptions import ReceivedEvent
    from shared.clock import utcnow
    from shared.contracts.envelope import CloudEvent
    from shared.contracts.registry import ProjectAccepted
    from shared.db import UnitOfWork, create_engine, create_sessions

    finance = Principal(
        subject="bench",
        org_code="finance",
        org_kind=OrganisationKind.DEPARTMENT,
        scopes=frozenset({Scope.FUNDING_READ, Scope.FUNDING_APPROVE}),
    )
    engine = create_engine(url)
    unit_of_work = UnitOfWork(create_sessions(engine))
    ids = []
    try:
        for amount in amounts:
            now = utcnow()
            payload = ProjectAccepted(
                project_id=uuid.uuid4(),
                community_id=uuid.uuid4(),
                district_code="zz-jinshui",
                programme_code="zhengzhou-2019",
                investment_fen=amount * 5 // 2,
                accepted_investment_fen=amount * 5 // 2,  # 40% of it is `amount`
                accepted_on=date(2026, 1, 5),
            )
            event = ReceivedEvent(CloudEvent.wrap(payload), payload, now)
            async with unit_of_work() as session:
                await awards.propose_award_on_acceptance(session, event)
            async with unit_of_work() as session:
                (award,) = await awards.list_awards(session, finance, payload.project_id)
                approved = await awards.approve_award(session, finance, award.id, now)
                ids.append(approved.id)
    finally:
        await engine.dispose()
    return ids


async def load(base: str, award_ids: list[uuid.UUID], requests: int, *, key: bool) -> dict[str, Any]:
    """`requests` tranches of 1 fen, client i paying against award i; requests/s and latencies."""
    headers = _finance()
    today = _today()
    per_client = [requests // len(award_ids)] * len(award_ids)
    statuses: dict[int, int] = {}
    latencies: list[float] = []

    async def client_loop(award_id: uuid.UUID, count: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
            for _ in range(count):
                extra = {"Idempotency-Key": uuid.uuid4().hex} if key else {}
                started = time.perf_counter()
                response = await client.post(
                    f"/awards/{award_id}/tranches", json={"amount_fen": 1, "paid_on": today}, headers=extra
                )
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(a, n) for a, n in zip(award_ids, per_client, strict=True)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "statuses": statuses,
        "p50": median(latencies),
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
    }


async def insert_baseline(url: str, clients: int, requests: int) -> float:
    """Single-row INSERTs, one transaction each, from `clients` concurrent connections: rows/s."""
    from shared.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("CREATE TABLE IF NOT EXISTS bench_row (id uuid PRIMARY KEY, amount_fen bigint)")
            )

        async def worker(count: int) -> None:
            for _ in range(count):
                async with engine.begin() as conn:
                    await conn.execute(
                        text("INSERT INTO bench_row (id, amount_fen) VALUES (:id, 1)"), {"id": uuid.uuid4()}
                    )

        started = time.perf_counter()
        await asyncio.gather(*(worker(requests // clients) for _ in range(clients)))
        return (requests // clients * clients) / (time.perf_counter() - started)
    finally:
        await engine.dispose()


async def race(base: str, url: str, racers: int) -> list[str]:
    """`racers` parallel tranches of TRANCHE fen against one award approved for racers × 800 fen."""
    (award_id,) = await seed_awards(url, [racers * 800])
    headers = _finance()
    today = _today()
    async with httpx.AsyncClient(
        base_url=base, timeout=120, headers=headers, limits=httpx.Limits(max_connections=racers)
    ) as client:
        award = (await client.get(f"/awards/{award_id}")).json()
        answers = await asyncio.gather(
            *(
                client.post(f"/awards/{award_id}/tranches", json={"amount_fen": TRANCHE, "paid_on": today})
                for _ in range(racers)
            )
        )
        sheet = (await client.get(f"/projects/{award['project_id']}/funding")).json()
        reconciliation = (await client.get("/reconciliation")).json()
    codes: dict[int, int] = {}
    for answer in answers:
        codes[answer.status_code] = codes.get(answer.status_code, 0) + 1
    paid = sheet["paid_fen"]
    verdict = "never exceeds" if paid <= award["amount_fen"] else "EXCEEDS"
    return [
        f"concurrency: {racers} parallel tranches of {TRANCHE} fen against one award approved for "
        f"{award['amount_fen']} fen",
        f"  answers: {dict(sorted(codes.items()))} (201 paid, 422 refused: more than is outstanding)",
        f"  paid total (from the journal): {paid} fen = {paid // TRANCHE} tranches; approved "
        f"{award['amount_fen']} fen; outstanding {sheet['outstanding_fen']} fen -> the paid total {verdict} "
        "the approved amount",
        f"  reconciliation ties out: {reconciliation['ties_out']}",
    ]


def _today() -> str:
    from shared.clock import shanghai_date, utcnow

    return shanghai_date(utcnow()).isoformat()


async def main_async(args: argparse.Namespace, url: str) -> str:
    from shared.db import run_migrations

    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    award_ids = await seed_awards(url, [10**9] * args.clients)
    funding = Server("serve_app", {_URL_ENV: url})
    bare = Server("bare_post_app", {})
    try:
        await funding.ready()
        await bare.ready()
        await load(funding.base, award_ids, args.clients * 10, key=True)  # warm-up
        await load(bare.base, award_ids, args.clients * 10, key=False)
        runs, bares, inserts = [], [], []
        for _ in range(args.runs):
            runs.append(await load(funding.base, award_ids, args.requests, key=True))
            bares.append((await load(bare.base, award_ids, args.requests, key=False))["rps"])
            inserts.append(await insert_baseline(url, args.clients, args.requests))
        racing = await race(funding.base, url, args.racers)
    finally:
        funding.stop()
        bare.stop()
    load_average = " ".join(Path("/proc/loadavg").read_text().split()[:3])  # noqa: ASYNC240
    rps = median(r["rps"] for r in runs)
    bare_rps, insert_rps = median(bares), median(inserts)
    middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    return "\n".join(
        [
            f"funding disbursements on PostgreSQL: {args.clients} clients, {args.requests} requests per run, "
            f"median of {args.runs} runs (load average {load_average}, {os.cpu_count()} cores)",
            "",
            f"{'what':<58}{'per second':>12}{'ratio':>9}",
            _row("bare FastAPI POST (baseline, no auth, no database)", bare_rps, bare_rps),
            _row("single-row INSERT + COMMIT (baseline, same server)", insert_rps, bare_rps),
            _row("POST /awards/{id}/tranches (lock, journal, outbox, audit)", rps, bare_rps),
            "",
            f"tranches vs one INSERT: {ratio(rps, insert_rps):.2f}; latency p50 {middle['p50']:.1f} ms, "
            f"p99 {middle['p99']:.1f} ms; answers {middle['statuses']}",
            "",
            *racing,
        ]
    )


def _row(what: str, per_second: float, baseline: float) -> str:
    return f"{what:<58}{per_second:>12.0f}{ratio(per_second, baseline):>9.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.funding_disbursements",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per run (default 2000)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs (default 3)")
    parser.add_argument("--racers", type=int, default=50, help="parallel tranches on one award (default 50)")
    args = parser.parse_args(argv)
    from deploy.postgres.launcher import postgres_from_env_or_start

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-funding-") as tmp:
        print("... starting PostgreSQL (or using DATABASE_URL)", file=sys.stderr, flush=True)
        postgres = postgres_from_env_or_start(Path(tmp) / "postgres")
        try:
            url = str(postgres.create_database(f"bench_funding_{uuid.uuid4().hex[:8]}"))
            print(asyncio.run(main_async(args, url)))
        finally:
            postgres.stop()
            if hasattr(postgres, "cleanup"):
                postgres.cleanup()
    print(f"\n(whole run, including database start-up: {time.perf_counter() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

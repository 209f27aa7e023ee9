"""The utility's completion in process: the request path's CPU per completion, trees interleaved.

    .venv/bin/python -m bench.http.completion_cpu [--database sqlite|postgresql] [--pairs 2]
        [--requests 4000] [--concurrency 16] [--tree /tmp/before --tree .]

Why beside `bench.http.pipeline_completion` (wrk against the served registry): under wrk the
server also runs its outbox relay, logging and the loop's I/O, and the machine's noise moves
requests/s by a fifth from run to run. This calls the registry's ASGI app directly (as uvicorn
would) and reads the main thread's CPU time (`time.thread_time`, so a WAL checkpoint's worker
thread is not counted) over batches of completions, each with a fresh `Idempotency-Key`, against
a database of its own per run (PostgreSQL from a cluster this starts, or a SQLite file). Run with
two `--tree`s (a `git worktree` of the commit before a change, and this one) to compare them.
Collector thresholds are the served process's (`GC_THRESHOLDS` default).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BATCHES = 4


async def _worker(url: str, requests: int, concurrency: int) -> dict[str, Any]:
    """Runs inside the tree's folder: seeds started works, then completes them in batches."""
    from types import SimpleNamespace

    import shared.db.engine as engines
    from bench.http.inprocess import _call
    from bench.http.pipeline_completion import DISTRICT, ITEM, PROJECTS, UTILITY, _community, _token
    from services.registry.handlers.directory import seed_organisations
    from services.registry.handlers.pipeline import assign_work, start_work
    from services.registry.main import create_registry_app
    from services.registry.models.pipeline import PipelineWorkAssignment, PipelineWorkStart
    from services.registry.settings import RegistrySettings
    from shared.access import OrganisationKind, Principal
    from shared.clock import SystemClock, shanghai_date
    from shared.db import UnitOfWork, create_engine, create_sessions

    settings = RegistrySettings(environment="test", database_url=url, rate_limit_writes="100000000/minute")
    engine = create_engine(url)
    runtime = SimpleNamespace(
        settings=settings,
        engine=engine,
        unit_of_work=UnitOfWork(create_sessions(engine), serialise=engine.dialect.name == "sqlite"),
        clock=SystemClock(),
        read_engine=engines.create_read_engine(engine),
    )
    app = create_registry_app(settings)
    app.state.runtime = runtime
    district_headers = {
        "authorization": "Bearer " + _token(DISTRICT, OrganisationKind.DISTRICT, DISTRICT),
        "content-type": "application/json",
    }
    try:
        async with runtime.unit_of_work() as session:
            await seed_organisations(session)
        projects = []
        for index in range(PROJECTS):
            body = json.dumps(_community(index)).encode()
            status, created = await _call(app, "POST", "/communities", district_headers, body)
            assert status == 201, created
            project = {
                "name": "管线改造",
                "community_id": json.loads(created)["id"],
                "investment_fen": 10_000_000,
            }
            status, created = await _call(
                app, "POST", "/projects", district_headers, json.dumps(project).encode()
            )
            assert status == 201, created
            projects.append(uuid.UUID(json.loads(created)["id"]))
        today = shanghai_date(datetime.now(UTC))
        district = Principal("bench@district", DISTRICT, OrganisationKind.DISTRICT, district_code=DISTRICT)
        power = Principal("bench@power", UTILITY, OrganisationKind.UTILITY)
        assignment = PipelineWorkAssignment.model_validate(
            {
                "item_code": ITEM,
                "utility_code": UTILITY,
                "scope": "架空电力线入地改造",
                "planned_start_on": today - timedelta(days=1),
                "planned_end_on": today + timedelta(days=60),
            }
        )
        start = PipelineWorkStart(started_on=today - timedelta(days=1))
        per_client = requests // BATCHES // concurrency
        total = (BATCHES * per_client + 400 // concurrency) * concurrency
        works: list[uuid.UUID] = []
        for first in range(0, total, 500):
            async with runtime.unit_of_work() as session:
                now = datetime.now(UTC)
                for index in range(first, min(first + 500, total)):
                    work = await assign_work(session, district, projects[index % PROJECTS], assignment, now)
                    await start_work(session, power, work.id, start, now)
                    works.append(work.id)
        headers = {
            "authorization": "Bearer " + _token(UTILITY, OrganisationKind.UTILITY),
            "content-type": "application/json",
        }
        body = json.dumps(
            {
                "completed_on": today.isoformat(),
                "scope_done": "架空线全部入地",
                "evidence_ref": "供电竣工单-017",
            },
            ensure_ascii=False,
        ).encode()
        queue = iter(works)

        async def client(count: int) -> None:
            for _ in range(count):
                target = f"/pipeline-works/{next(queue)}/completion"
                status, answer = await _call(
                    app, "POST", target, {**headers, "idempotency-key": uuid.uuid4().hex}, body
                )
                assert status == 200, answer

        await asyncio.gather(*(client(400 // concurrency) for _ in range(concurrency)))  # warm-up
        await asyncio.sleep(1.5)  # the seeding's WAL checkpoint, off the measured batches
        cpu_ms = []
        for _ in range(BATCHES):
            started = time.thread_time()
            await asyncio.gather(*(client(per_client) for _ in range(concurrency)))
            cpu_ms.append(1000 * (time.thread_time() - started) / (per_client * concurrency))
        return {"cpu_ms": cpu_ms}
    finally:
        await engines.dispose_read_engine(runtime.read_engine, engine)
        await engine.dispose()


def _run_worker(tree: Path, url: str, requests: int, concurrency: int) -> dict[str, Any]:
    # imported here: the worker runs in the measured tree, which may predate `run_in_tree`
    from bench.http.inprocess import run_in_tree

    shape = ["--requests", str(requests), "--concurrency", str(concurrency)]
    return run_in_tree(Path(__file__), tree, {**os.environ, "DATABASE_URL": url}, *shape)


def main(argv: list[str] | None = None) -> int:
    """Interleave the trees' runs and print each run's batches and each tree's median.

    Args:
        argv: the arguments after the program name; None reads `sys.argv`.

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m bench.http.completion_cpu", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--tree", action="append", type=Path, help="a source tree (repeat; default: this one)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pairs", type=int, default=2, help="runs of each tree")
    parser.add_argument("--requests", type=int, default=4000, help="measured completions per run")
    parser.add_argument("--concurrency", type=int, default=16, help="completions in flight")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        from shared.settings import ServiceSettings  # the tree's own, as its served process sets

        gc.set_threshold(*ServiceSettings.model_fields["gc_thresholds"].default)
        result = asyncio.run(_worker(os.environ["DATABASE_URL"], args.requests, args.concurrency))
        print(json.dumps(result))
        return 0

    from deploy.postgres.launcher import PostgresCluster
    from shared.db.engine import run_migrations

    trees = [t.resolve() for t in (args.tree or [ROOT])]
    folder = Path(tempfile.mkdtemp(prefix="bench-completion-cpu-"))
    cluster = PostgresCluster(folder / "postgres").start() if args.database == "postgresql" else None
    cpu: dict[Path, list[float]] = {t: [] for t in trees}
    try:
        for pair in range(args.pairs):
            for tree in trees if pair % 2 == 0 else trees[::-1]:
                name = f"run{pair}_{trees.index(tree)}"
                if cluster is not None:
                    url = cluster.create_database(name).replace("postgresql+psycopg://", "postgresql://")
                else:
                    url = f"sqlite:///{folder / (name + '.db')}"
                run_migrations(ROOT / "services" / "registry" / "migrations", url)
                batches = _run_worker(tree, url, args.requests, args.concurrency)["cpu_ms"]
                cpu[tree].extend(batches)
                print(f"{tree}: " + " ".join(f"{ms:.2f}" for ms in batches), flush=True)
        for tree in trees:
            print(
                f"{args.database} completion, concurrency {args.concurrency}, {tree}: median "
                f"{statistics.median(cpu[tree]):.2f} ms CPU/completion ({len(cpu[tree])} batches, "
                f"{min(cpu[tree]):.2f}–{max(cpu[tree]):.2f})"
            )
        if len(trees) == 2:
            before, after = (statistics.median(cpu[t]) for t in trees)
            print(f"ratio second/first: {after / before:.2f}")
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

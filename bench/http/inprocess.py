"""The registry's CPU per request without a network or a load generator: its ASGI app called
directly, 16 requests at a time, process CPU (`time.process_time`) per request.

Why beside the wrk bench: on a shared 2-core machine wrk, the server and the database compete for
the cores, and requests/s moves with whatever else runs. CPU per request in one process moves
much less, and two source trees (before and after a change, e.g. one checked out with `git
archive`) can be interleaved against one seeded database, so both see the same machine.

    .venv/bin/python -m bench.http.inprocess --database sqlite --endpoint read --pairs 6 \
        --tree /tmp/before --tree .

Each run is a fresh process in the tree's folder (its code first on `sys.path`) doing a warm-up
and `--batches` batches of `--requests`; the trees alternate, first one then the other first. The
output is every batch and the median per tree, and whether the trees answered the same bodies.
PostgreSQL is a cluster started for the run (`deploy/postgres/launcher.py`); its own CPU is not
counted (the server process's is). The runtime is a stand-in with the tree's engine, unit of work
and, where the tree has one, read engine; the database is migrated with this tree's migrations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CONCURRENCY = 16
ENDPOINTS = {
    "read": "/projects/{project_id}",
    "list": "/projects?limit=20",
    "communities": "/communities?district_code=zz-jinshui&eligible=true&limit=20",
    "health": "/healthz",
}
ROOT = Path(__file__).resolve().parents[2]


async def _call(
    app: Any, method: str, target: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, bytes]:
    """One request through the ASGI app, as uvicorn would pass it."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect while the request runs
        raise AssertionError("unreachable")

    status, chunks = 0, []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _worker(url: str, endpoint: str, requests: int, batches: int, seed: bool) -> dict[str, Any]:
    """Runs inside the tree's folder: the tree's registry app over `url`."""
    from types import SimpleNamespace

    import shared.db.engine as engines
    from services.registry.main import create_registry_app
    from services.registry.settings import RegistrySettings
    from shared.clock import SystemClock
    from shared.db import UnitOfWork, create_engine, create_sessions
    from tests.support import tokens
    from tests.support.factories import community_body, project_body

    settings = RegistrySettings(environment="test", database_url=url)
    engine = create_engine(url)
    runtime = SimpleNamespace(
        settings=settings,
        engine=engine,
        unit_of_work=UnitOfWork(create_sessions(engine), serialise=engine.dialect.name == "sqlite"),
        clock=SystemClock(),
    )
    if hasattr(engines, "create_read_engine"):  # as `start_runtime` builds it, in trees that have one
        runtime.read_engine = engines.create_read_engine(engine)
    app = create_registry_app(settings)
    app.state.runtime = runtime
    headers = {**tokens.district(), "content-type": "application/json"}
    try:
        if seed:
            project_ids = []
            for i in range(20):
                body = json.dumps(community_body(name=f"文化路{i}号院")).encode()
                status, created = await _call(app, "POST", "/communities", headers, body)
                assert status == 201, created
                body = json.dumps(project_body(json.loads(created)["id"])).encode()
                status, created = await _call(app, "POST", "/projects", headers, body)
                assert status == 201, created
                project_ids.append(json.loads(created)["id"])
            return {"project_id": project_ids[0]}
        target = ENDPOINTS[endpoint].format(project_id=os.environ["BENCH_PROJECT_ID"])
        bodies: set[bytes] = set()

        async def client(count: int) -> None:
            for _ in range(count):
                status, body = await _call(app, "GET", target, headers)
                assert status == 200, body
                if len(bodies) < 2:
                    bodies.add(body)

        await asyncio.gather(*(client(400 // CONCURRENCY) for _ in range(CONCURRENCY)))  # warm-up
        per_client = requests // CONCURRENCY
        cpu_ms = []
        for _ in range(batches):
            start = time.process_time()
            await asyncio.gather(*(client(per_client) for _ in range(CONCURRENCY)))
            cpu_ms.append(1000 * (time.process_time() - start) / (per_client * CONCURRENCY))
        return {"cpu_ms": cpu_ms, "bodies": sorted(b.decode() for b in bodies)}
    finally:
        if getattr(runtime, "read_engine", engine).sync_engine.pool is not engine.sync_engine.pool:
            await runtime.read_engine.dispose()
        await engine.dispose()


def _run_worker(tree: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    return run_in_tree(Path(__file__), tree, env, *args)


def run_in_tree(script: Path, tree: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run `script --worker *args` with `tree` as its folder and import path; its last line's JSON.

    Args:
        script: the bench module's file (run by path: an older tree may not have it).
        tree: the source tree to measure.
        env: the worker's environment (PYTHONPATH is set to `tree`).
        *args: the worker's arguments after ``--worker``.

    Returns:
        The JSON object the worker printed last.
    """
    done = subprocess.run(
        [sys.executable, str(script.resolve()), "--worker", *args],
        cwd=tree,
        env={**env, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    """Interleave the trees' runs and print the medians (or, with --worker, run one tree).

    Args:
        argv: the arguments after the program name; None reads `sys.argv`.

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m bench.http.inprocess", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--tree", action="append", type=Path, help="a source tree (repeat; default: this one)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--endpoint", choices=sorted(ENDPOINTS), default="read")
    parser.add_argument("--pairs", type=int, default=3, help="runs of each tree")
    parser.add_argument("--requests", type=int, default=2000, help="requests per batch")
    parser.add_argument("--batches", type=int, default=3, help="measured batches per run")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = asyncio.run(
            _worker(os.environ["DATABASE_URL"], args.endpoint, args.requests, args.batches, args.seed)
        )
        print(json.dumps(result))
        return 0

    from deploy.postgres.launcher import PostgresCluster
    from shared.db.engine import run_migrations

    trees = [t.resolve() for t in (args.tree or [ROOT])]
    folder = Path(tempfile.mkdtemp(prefix="bench-inprocess-"))
    cluster = PostgresCluster(folder / "postgres").start() if args.database == "postgresql" else None
    try:
        if cluster is not None:
            url = cluster.create_database("registry").replace("postgresql+psycopg://", "postgresql://")
        else:
            url = f"sqlite:///{folder / 'registry.db'}"
        run_migrations(ROOT / "services" / "registry" / "migrations", url)
        env = {**os.environ, "DATABASE_URL": url}
        seeded = _run_worker(trees[0], env, "--seed")
        env["BENCH_PROJECT_ID"] = seeded["project_id"]
        shape = [
            "--endpoint",
            args.endpoint,
            "--requests",
            str(args.requests),
            "--batches",
            str(args.batches),
        ]
        cpu: dict[Path, list[float]] = {t: [] for t in trees}
        bodies: dict[Path, list[str]] = {}
        for pair in range(args.pairs):
            for tree in trees if pair % 2 == 0 else trees[::-1]:
                result = _run_worker(tree, env, *shape)
                cpu[tree].extend(result["cpu_ms"])
                bodies.setdefault(tree, result["bodies"])
                print(f"{tree}: " + " ".join(f"{ms:.3f}" for ms in result["cpu_ms"]), flush=True)
        for tree in trees:
            median, low, high = statistics.median(cpu[tree]), min(cpu[tree]), max(cpu[tree])
            print(
                f"{args.database} {args.endpoint} {tree}: median {median:.3f} ms CPU/request "
                f"({len(cpu[tree])} batches, {low:.3f}–{high:.3f})"
            )
        if len(trees) > 1:
            same = all(bodies[t] == bodies[trees[0]] for t in trees)
            print("same bodies in every tree:", same)
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

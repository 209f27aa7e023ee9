"""Entry point: `python -m bench.http` runs the issue-15 table on PostgreSQL and on SQLite."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.harness import BenchContext, Stack, median_run, run_on_stack, say
from bench.http.load import LoadResult, ensure_wrk, run_load
from bench.http.report import Row, markdown
from bench.http.scenarios import BARE, Scenario, district_token, scenarios, seed
from bench.http.servers import ServerProcess, start_bare, start_registry

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "registry" / "migrations"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    p.add_argument("--duration", type=float, default=10, help="seconds per measured run (default 10)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per endpoint (default 3)")
    p.add_argument("--connections", type=int, default=16, help="keep-alive connections (default 16)")
    p.add_argument("--runs", type=int, default=1, help="measured runs per endpoint; the median is shown")
    p.add_argument("--databases", default="postgresql,sqlite", help="comma-separated: postgresql,sqlite")
    return p


def measure(
    wrk: str | None, server: ServerProcess, scenario: Scenario, args: argparse.Namespace
) -> LoadResult:
    say(f"{server.name}: {scenario.label}")
    run_load(wrk, server.url, scenario.request, seconds=args.warmup, connections=args.connections)
    results = [_metered(wrk, server, scenario, args) for _ in range(args.runs)]
    return median_run(results, key=lambda r: r.rps)


def _metered(
    wrk: str | None, server: ServerProcess, scenario: Scenario, args: argparse.Namespace
) -> LoadResult:
    """One measured run, with the CPU the server used during it."""
    before = server.cpu_s()
    result = run_load(wrk, server.url, scenario.request, seconds=args.duration, connections=args.connections)
    after = server.cpu_s()
    if before is None or after is None:
        return result
    return replace(result, server_cpu_s=after - before)


async def run_bench(args: argparse.Namespace, stack: Stack) -> str:
    ctx = BenchContext.on(stack)
    wrk = await asyncio.to_thread(ensure_wrk)
    facts = stack.facts(partitions=3)
    facts.append(
        ("load generator", f"{wrk or 'bench.http.loadgen (httpx)'}, 1 thread, {args.connections} connections")
    )
    facts.append(("per endpoint", f"{args.warmup:.0f}s warm-up, {args.runs} × {args.duration:.0f}s measured"))
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
            for database in args.databases.split(","):
                rows += await asyncio.to_thread(_one_database, database, args, ctx, stack, wrk, Path(tmp))
    finally:
        await ctx.databases.drop_all()
    return markdown(rows, facts)


def _one_database(
    database: str, args: argparse.Namespace, ctx: BenchContext, stack: Stack, wrk: str | None, tmp: Path
) -> list[Row]:
    bare = start_bare(tmp)
    try:
        baseline = measure(wrk, bare, BARE, args)
    finally:
        bare.stop()
    rows = [Row(database, BARE.key, BARE.label, baseline, baseline)]
    if database == "postgresql":
        url = asyncio.run(ctx.databases.create(f"bench_http_{ctx.label}", MIGRATIONS))
    elif database == "sqlite":
        url = f"sqlite:///{tmp}/registry-{ctx.label}.db"
    else:
        raise SystemExit(f"unknown database {database!r}")
    label = f"{ctx.label}{database[:2]}"
    registry = start_registry(label, url, stack.bootstrap, tmp / f"data-{label}", tmp)
    try:
        token = district_token()
        say(f"{registry.name}: seeding")
        seeded = seed(registry.url, token)
        for scenario in scenarios(seeded, token):
            rows.append(
                Row(database, scenario.key, scenario.label, measure(wrk, registry, scenario, args), baseline)
            )
    finally:
        registry.stop()
    return rows


def main() -> int:
    args = parser().parse_args()
    return run_on_stack(lambda stack: run_bench(args, stack), prefix="bench-http-")


if __name__ == "__main__":
    sys.exit(main())

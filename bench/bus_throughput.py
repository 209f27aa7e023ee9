"""Bus throughput: raw aiokafka produce→consume against the spine (outbox → relay → Kafka → inbox
consumer → DB commit), in one run on the same broker, and the ratio spine/raw.

    .venv/bin/python -m bench.bus_throughput [--events 20000] [--runs 3]

Starts its own Kafka broker and PostgreSQL server in a temporary directory, unless
KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL (a server URL) point at running ones. Every run uses fresh
topics and a fresh database. See bench/README.md for what each figure means.

Everything (producer, consumer, relay, DB client) runs in this one Python process on one event
loop, for the raw figure as for the spine figure, so the two are comparable.
"""

from __future__ import annotations

import argparse
import sys

from bench.bus.handlers import HANDLER_NOTES, HANDLERS
from bench.bus.payloads import PARTITIONS, envelope_size
from bench.bus.processes import ProcessesResult, deployed_loop_name, report_processes, run_processes
from bench.bus.raw import RawResult, run_raw
from bench.bus.report import report
from bench.bus.spine import SpineResult, run_spine
from bench.bus.split import SplitResult, run_split
from bench.harness import BenchContext, Stack, base_parser, quiet_fresh_topic_noise, run_on_stack, say


async def run_bench(args: argparse.Namespace, stack: Stack) -> str:
    """Warm up, then `--runs` rounds of raw and each handler's spine, then the split; the report."""
    ctx = BenchContext.on(stack)
    facts = stack.facts(PARTITIONS)
    facts.append(("envelope", f"{envelope_size()} bytes (ProjectRegistered CloudEvent, JSON)"))
    facts += [(f"handler[{h}]", HANDLER_NOTES[h]) for h in args.handlers]
    n = args.events
    if args.processes:
        return await run_processes_bench(args, ctx, facts[: len(facts) - len(args.handlers) + 1])
    try:
        say(f"warming up ({args.warmup} events each way)")
        await run_raw(ctx, args.warmup, "warmup")
        for h in args.handlers:
            await run_spine(ctx, args.warmup, f"warmup_{h}", h)
        raws: list[RawResult] = []
        spines: dict[str, list[SpineResult]] = {h: [] for h in args.handlers}
        for i in range(1, args.runs + 1):
            raws.append(await run_raw(ctx, n, f"r{i}"))
            progress = f"run {i}: raw {raws[-1].rate:.0f} ev/s"
            for h in args.handlers:
                spines[h].append(await run_spine(ctx, n, f"r{i}_{h}", h))
                progress += f", spine[{h}] {spines[h][-1].rate:.0f} ev/s"
            say(progress)
        split: SplitResult | None = None
        if not args.no_split:
            split = await run_split(ctx, n, "split", args.handlers[0])
            say(
                f"split: relay alone {n / split.relay.usage.wall_s:.0f} ev/s, "
                f"consumer[{split.handler}] alone {n / split.consumer.usage.wall_s:.0f} ev/s, "
                f"consumer[none] alone {n / split.bus_only.usage.wall_s:.0f} ev/s"
            )
    finally:
        await ctx.databases.drop_all()
    return report(facts, n, raws, spines, split)


async def run_processes_bench(
    args: argparse.Namespace, ctx: BenchContext, facts: list[tuple[str, str]]
) -> str:
    """Warm up, then `--runs` rounds of raw, full path and relay alone, one process per side."""
    handler = args.handlers[0]
    facts = [*facts, ("event loop", deployed_loop_name())]
    try:
        say(f"warming up ({args.warmup} events, one process per side)")
        await run_processes(ctx, args.warmup, "warmup", handler)
        results: list[ProcessesResult] = []
        for i in range(1, args.runs + 1):
            r = await run_processes(ctx, args.events, f"p{i}", handler)
            results.append(r)
            say(
                f"run {i}: raw {r.raw.rate:.0f} ev/s, full[{handler}] {r.full.rate:.0f} ev/s; "
                f"raw produce {r.raw_produce_rate:.0f} ev/s, relay alone {r.relay.rate:.0f} ev/s"
            )
    finally:
        await ctx.databases.drop_all()
    return report_processes(facts, results)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = base_parser("python -m bench.bus_throughput", __doc__, events=20000, runs=3, warmup=3000)
    parser.add_argument(
        "--handlers",
        type=lambda text: [h.strip() for h in text.split(",") if h.strip()],
        default=["insert", "upsert", "none"],
        help=f"the spine's handlers, comma-separated, from {sorted(HANDLERS)}; the first one is "
        "also used for the stage-by-stage diagnosis (default: insert,upsert,none)",
    )
    parser.add_argument(
        "--no-split", action="store_true", help="skip the relay-alone / consumer-alone diagnosis"
    )
    parser.add_argument(
        "--processes",
        action="store_true",
        help="run the relay and the consumer in separate processes (as deployed) beside raw aiokafka "
        "split the same way; prints full path/raw and relay alone/raw produce (first handler only)",
    )
    args = parser.parse_args(argv)
    unknown = [h for h in args.handlers if h not in HANDLERS]
    if unknown or not args.handlers:
        parser.error(f"--handlers: unknown {unknown}; choose from {sorted(HANDLERS)}")
    if args.events < 1 or args.runs < 1 or args.warmup < 1:
        parser.error("--events, --runs and --warmup must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_fresh_topic_noise()
    return run_on_stack(lambda stack: run_bench(args, stack), prefix="bench-bus-")


if __name__ == "__main__":
    sys.exit(main())

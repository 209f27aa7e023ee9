"""The command line around a benchmark: common options, progress lines, aiokafka's start-up
noise, and running the benchmark's coroutine against a started stack."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable

from bench.harness.stack import Stack, started_stack
from shared.bus.kafka import wait_for_kafka

_FRESH_TOPIC_NOISE = (
    "GroupCoordinatorNotAvailable",  # the first group join on a fresh broker
    "Marking the coordinator dead",
    "NotLeaderForPartition",  # offsets asked for before a fresh topic's leader is known
)


def say(message: str) -> None:
    """A progress line on stderr (the report goes to stdout)."""
    print(f"... {message}", file=sys.stderr, flush=True)


def base_parser(
    prog: str, description: str | None, *, events: int, runs: int, warmup: int
) -> argparse.ArgumentParser:
    """A parser with --events, --runs and --warmup; the benchmark adds its own options."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=events, help=f"events per run (default {events})")
    parser.add_argument("--runs", type=int, default=runs, help=f"measured runs (default {runs})")
    parser.add_argument(
        "--warmup", type=int, default=warmup, help=f"events in the warm-up round (default {warmup})"
    )
    return parser


def _drop_fresh_topic_noise(record: logging.LogRecord) -> bool:
    """aiokafka logs these at ERROR while every run creates topics and groups; they retry by
    themselves, and the bench checks that every event arrived exactly once anyway."""
    message = record.getMessage()
    return not any(noise in message for noise in _FRESH_TOPIC_NOISE)


def quiet_fresh_topic_noise() -> None:
    """Log warnings and above, without aiokafka's fresh-topic errors."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("aiokafka", "aiokafka.consumer.group_coordinator", "aiokafka.consumer.fetcher"):
        logging.getLogger(name).addFilter(_drop_fresh_topic_noise)


def run_on_stack(body: Callable[[Stack], Awaitable[str]], prefix: str = "bench-") -> int:
    """Start the stack, run `body` on it once Kafka answers, print the report it returns and the
    whole run's time."""

    async def when_ready(stack: Stack) -> str:
        await wait_for_kafka(stack.bootstrap, 60)
        return await body(stack)

    started = time.perf_counter()
    say("starting Kafka and PostgreSQL (or using KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL)")
    with started_stack(prefix) as stack:
        report = asyncio.run(when_ready(stack))
    print(report)
    print(f"\n(whole run, including broker and database start-up: {time.perf_counter() - started:.0f}s)")
    return 0

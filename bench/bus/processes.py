"""Scenario: as deployed, one process per side. The producing service's relay runs in one process,
the consuming service's consumer in another, and the raw aiokafka baseline is split the same way
(a producer process and a consumer process), in the same run on the same broker.

Each child builds its own clients, joins its group, says "ready", waits for "go", and reports
when it is done (a `time.monotonic()` instant, comparable across processes on one machine) and
the CPU it used. The parent times from "go" to the consumer's "done". Three timed stretches:

* **raw**: N envelopes from a producer process to a consumer process (read and committed);
  also gives **raw produce**: the producer's first send to its last ack;
* **full path**: N outbox rows staged before the clock; relay process and consumer process
  together until the consumer has committed N events with the chosen handler;
* **relay alone**: N fresh outbox rows, the relay process alone until all are published.

Every child runs on the event loop a deployed service process gets: uvicorn's `loop="auto"`,
uvloop when it is installed (it comes with `uvicorn[standard]`). The raw baseline's children
run on it too, so both sides have the same runtime and the ratio is the platform's own cost.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import queue
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from uvicorn.loops.auto import auto_loop_factory

from bench.bus.payloads import BATCH, INSERT_BATCH, OUTBOX_BATCH, PARTITIONS, make_payloads
from bench.bus.rig import MIGRATIONS
from bench.harness import BenchContext, Meter, Usage, cancel, wait_assigned, wait_until, warm_pool
from shared.settings import ServiceSettings
from shared.web.collector import tune_collector

READY_TIMEOUT_S = 120.0
RELAY_CONNECTIONS = 3
"""Connections a running relay holds: its advisory lock's, a lease's and a confirmation's."""
DONE_TIMEOUT_S = 600.0


@dataclass
class ChildReport:
    """What one child process reports: when it finished and the CPU it spent after "go"."""

    role: str
    done_at: float
    cpu_s: float


@dataclass
class Stretch:
    """One timed stretch: wall time from "go", the children's reports, the servers' CPU."""

    n: int
    wall_s: float
    children: dict[str, ChildReport]
    usage: Usage

    @property
    def rate(self) -> float:
        return self.n / self.wall_s

    def cpu_us(self, role: str) -> float:
        """A child's CPU per event, in µs."""
        return self.children[role].cpu_s / self.n * 1e6


@dataclass
class ProcessesResult:
    """One run: raw (and raw produce), the full path, the relay alone."""

    n: int
    handler: str
    raw: Stretch
    raw_produce_s: float
    full: Stretch
    relay: Stretch

    @property
    def raw_produce_rate(self) -> float:
        return self.n / self.raw_produce_s


# -- the children ---------------------------------------------------------------------------


async def _raw_producer(spec: dict[str, Any], go: Any, out: Any) -> float:
    from shared.bus.kafka import make_producer
    from shared.bus.relay import HEADERS
    from shared.contracts.envelope import CloudEvent

    records = [(p.partition_key().encode(), CloudEvent.wrap(p).to_bytes()) for p in make_payloads(spec["n"])]
    producer = make_producer(spec["bootstrap"], client_id="bench-raw-producer")
    await producer.start()
    try:
        out.put(("ready", spec["role"]))
        await asyncio.to_thread(go.wait)
        topic = spec["topic"]
        futures = [await producer.send(topic, value=v, key=k, headers=HEADERS) for k, v in records]
        await asyncio.gather(*futures)
        return time.monotonic()
    finally:
        await producer.stop()


async def _raw_consumer(spec: dict[str, Any], go: Any, out: Any) -> float:
    from shared.bus.kafka import make_consumer

    consumer = make_consumer(spec["bootstrap"], spec["group"], [spec["topic"]], "bench-raw-consumer")
    await consumer.start()
    try:
        await wait_assigned(consumer)
        out.put(("ready", spec["role"]))
        await asyncio.to_thread(go.wait)
        seen = 0
        while seen < spec["n"]:
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            offsets = {tp: batch[-1].offset + 1 for tp, batch in batches.items() if batch}
            seen += sum(len(batch) for batch in batches.values())
            if offsets:
                await consumer.commit(offsets)
        return time.monotonic()
    finally:
        await consumer.stop()


async def _relay(spec: dict[str, Any], go: Any, out: Any) -> float:
    from shared.bus.kafka import make_producer
    from shared.bus.relay import OutboxRelay
    from shared.db import create_engine, create_sessions

    engine = create_engine(spec["url"])
    producer = make_producer(spec["bootstrap"], client_id="bench-relay")
    await producer.start()
    relay = OutboxRelay(
        service="bench",
        sessions=create_sessions(engine),
        producer=producer,
        topic_name=lambda base: f"{spec['prefix']}{base}",
        batch_size=OUTBOX_BATCH,
    )
    published = 0
    confirm = relay._confirm

    async def counted(batch: Any) -> tuple[int, bool]:
        nonlocal published
        result = await confirm(batch)
        published += result[0]
        return result

    relay._confirm = counted  # type: ignore[method-assign]

    async def count() -> int:
        return published

    try:
        await warm_pool(engine, RELAY_CONNECTIONS)
        out.put(("ready", spec["role"]))
        await asyncio.to_thread(go.wait)
        task = asyncio.create_task(relay.run())
        await wait_until(count, spec["n"], [task], poll_s=0.002)
        done = time.monotonic()
        await cancel(task)
        return done
    finally:
        await producer.stop()
        await engine.dispose()


async def _consumer(spec: dict[str, Any], go: Any, out: Any) -> float:
    from bench.bus.handlers import HANDLERS
    from shared.bus.consumer import PARALLEL_PARTITIONS, EventConsumer
    from shared.bus.kafka import make_consumer, make_producer
    from shared.bus.subscriptions import Subscriptions
    from shared.contracts.registry import ProjectRegistered
    from shared.db import UnitOfWork, create_engine, create_sessions

    engine = create_engine(spec["url"])
    producer = make_producer(spec["bootstrap"], client_id="bench-dlq")
    kafka_consumer = make_consumer(spec["bootstrap"], spec["group"], [spec["topic"]], "bench-consumer")
    await producer.start()
    await kafka_consumer.start()
    consumer = EventConsumer(
        service="bench",
        consumer=kafka_consumer,
        producer=producer,
        unit_of_work=UnitOfWork(create_sessions(engine)),
        subscriptions=Subscriptions({ProjectRegistered: HANDLERS[spec["handler"]]}),
        group=spec["group"],
        dead_letter_topic=spec["dlq"],
        batch_size=BATCH,
    )
    handled = 0
    process = consumer.process_partition_batch

    async def counted(records: list[Any]) -> None:
        nonlocal handled
        await process(records)
        handled += len(records)  # returned: the batch's transaction has committed

    consumer.process_partition_batch = counted  # type: ignore[method-assign]

    async def count() -> int:
        return handled

    try:
        await wait_assigned(kafka_consumer)
        await warm_pool(engine, PARALLEL_PARTITIONS)
        out.put(("ready", spec["role"]))
        await asyncio.to_thread(go.wait)
        task = asyncio.create_task(consumer.run())
        await wait_until(count, spec["n"], [task], poll_s=0.002)
        done = time.monotonic()
        await cancel(task)
        return done
    finally:
        await kafka_consumer.stop()
        await producer.stop()
        await engine.dispose()


ROLES: dict[str, Callable[[dict[str, Any], Any, Any], Awaitable[float]]] = {
    "raw-producer": _raw_producer,
    "raw-consumer": _raw_consumer,
    "relay": _relay,
    "consumer": _consumer,
}


SERVICE_ROLES = frozenset({"relay", "consumer"})
"""The platform's roles; the raw baseline's producer and consumer keep Python's own collector settings."""


def deployed_loop_name() -> str:
    """The event loop uvicorn's `auto_loop_factory` makes (what a service process runs on, since
    `shared.web.runner.serve` leaves `loop="auto"`), for the report's facts."""
    loop = auto_loop_factory()()
    try:
        module = type(loop).__module__.split(".")[0]
        version = getattr(__import__(module), "__version__", "")
        return f"{module} {version}".strip() + ' (uvicorn\'s loop="auto", as a service process runs)'
    finally:
        loop.close()


def _child(spec: dict[str, Any], go: Any, out: Any) -> None:
    """A child's body: run its role, then report its finishing instant and CPU since "go"."""
    logging.basicConfig(level=logging.ERROR)
    if spec["role"] in SERVICE_ROLES:  # in a deployment they run in a service process, tuned by its runner
        tune_collector(ServiceSettings(service_name="bench-bus").gc_thresholds)
    try:
        started_cpu = [0.0]

        def on_go() -> None:
            started_cpu[0] = time.process_time()

        class _Go:  # wraps the event so the CPU clock starts when "go" arrives
            def wait(self) -> None:
                go.wait()
                on_go()

        # the loop a service process runs on (uvicorn's loop="auto"), for the raw baseline too
        with asyncio.Runner(loop_factory=auto_loop_factory()) as runner:
            done_at = runner.run(ROLES[spec["role"]](spec, _Go(), out))
        out.put(("done", spec["role"], done_at, time.process_time() - started_cpu[0]))
    except BaseException:
        out.put(("error", spec["role"], traceback.format_exc()))


# -- the parent ---------------------------------------------------------------------------


async def _timed(ctx: BenchContext, n: int, specs: list[dict[str, Any]]) -> Stretch:
    """Start one child per spec, wait until all are ready, say "go", and wait for every "done"."""
    mp = multiprocessing.get_context("spawn")
    go, out = mp.Event(), mp.Queue()
    children = [mp.Process(target=_child, args=(spec, go, out), daemon=True) for spec in specs]
    for child in children:
        child.start()
    try:
        await _collect(out, "ready", len(specs), READY_TIMEOUT_S)
        with Meter(ctx.probe) as meter:
            started = time.monotonic()
            go.set()
            messages = await _collect(out, "done", len(specs), DONE_TIMEOUT_S)
        reports = {m[1]: ChildReport(m[1], m[2], m[3]) for m in messages}
        wall = max(r.done_at for r in reports.values()) - started
        for report in reports.values():
            report.done_at -= started
        return Stretch(n, wall, reports, meter.usage)
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()


async def _collect(out: Any, kind: str, count: int, timeout_s: float) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + timeout_s
    got: list[tuple[Any, ...]] = []
    while len(got) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"children did not report {kind!r} within {timeout_s:.0f}s")
        try:
            message = await asyncio.to_thread(out.get, True, min(remaining, 1.0))
        except queue.Empty:
            continue
        if message[0] == "error":
            raise RuntimeError(f"bench child {message[1]} failed:\n{message[2]}")
        if message[0] != kind:
            raise RuntimeError(f"expected {kind!r} from the children, got {message!r}")
        got.append(message)
    return got


async def _staged_database(ctx: BenchContext, name: str, n: int) -> str:
    """A fresh database with `bench_event` and N pending outbox rows (not timed)."""
    from bench.bus.handlers import BenchCounter, BenchEvent
    from shared.bus.outbox import add_to_outbox
    from shared.db import UnitOfWork, create_engine, create_sessions

    url = await ctx.databases.create(name, MIGRATIONS)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(BenchEvent.__table__.create)  # type: ignore[attr-defined]
            await conn.run_sync(BenchCounter.__table__.create)  # type: ignore[attr-defined]
        unit_of_work = UnitOfWork(create_sessions(engine))
        payloads = make_payloads(n)
        for i in range(0, n, INSERT_BATCH):
            async with unit_of_work() as session:
                for payload in payloads[i : i + INSERT_BATCH]:
                    add_to_outbox(session, payload)
    finally:
        await engine.dispose()
    return url


async def _count(url: str, sql: str) -> int:
    from sqlalchemy import text

    from shared.db import create_engine

    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


async def run_processes(ctx: BenchContext, n: int, run: str, handler: str) -> ProcessesResult:
    """Raw, full path and relay alone, each side in its own process; checks one effect per event."""
    from bench.bus.handlers import EFFECTS
    from shared.bus.kafka import ensure_topics
    from shared.contracts.topics import REGISTRY_EVENTS, dead_letter_topic

    base = {"bootstrap": ctx.bootstrap, "n": n}
    raw_topic = f"bench.{ctx.label}.{run}.raw"
    await ensure_topics(ctx.bootstrap, [raw_topic], PARTITIONS)
    raw = await _timed(
        ctx,
        n,
        [
            {**base, "role": "raw-consumer", "topic": raw_topic, "group": f"bench-{ctx.label}-{run}-raw"},
            {**base, "role": "raw-producer", "topic": raw_topic},
        ],
    )

    prefix = f"bench.{ctx.label}.{run}."
    topic, dlq = prefix + REGISTRY_EVENTS, prefix + dead_letter_topic("bench")
    await ensure_topics(ctx.bootstrap, [topic, dlq], PARTITIONS)
    url = await _staged_database(ctx, f"bench_{ctx.label}_{run}_full", n)
    consumer = {
        **base,
        "role": "consumer",
        "url": url,
        "topic": topic,
        "dlq": dlq,
        "group": f"{prefix}reporting",
        "handler": handler,
    }
    full = await _timed(ctx, n, [consumer, {**base, "role": "relay", "url": url, "prefix": prefix}])
    inbox = await _count(url, "SELECT count(*) FROM inbox_message")
    effects_sql = EFFECTS[handler]
    effects = inbox if effects_sql is None else await _count(url, effects_sql)
    if inbox != n or effects != n:
        raise AssertionError(f"expected {n} events handled once: effects={effects} inbox={inbox}")

    relay_prefix = f"bench.{ctx.label}.{run}.relay."
    await ensure_topics(ctx.bootstrap, [relay_prefix + REGISTRY_EVENTS], PARTITIONS)
    relay_url = await _staged_database(ctx, f"bench_{ctx.label}_{run}_relay", n)
    relay = await _timed(ctx, n, [{**base, "role": "relay", "url": relay_url, "prefix": relay_prefix}])
    produce_s = raw.children["raw-producer"].done_at
    return ProcessesResult(n, handler, raw, produce_s, full, relay)


def report_processes(facts: list[tuple[str, str]], results: list[ProcessesResult]) -> str:
    """The table of the separate-process runs, the medians and both ratios against the aims."""
    from bench.harness import median
    from bench.harness.table import fact_lines

    handler = results[0].handler
    n = results[0].n
    lines = [
        "Bus throughput, one process per side (as deployed): raw aiokafka vs outbox → relay → Kafka"
        " → inbox consumer → DB",
        "",
        *fact_lines(facts),
        f"  events per run         {n}",
        "",
        "events/s; ratios to raw of the same run:",
        f"run  {'raw p→c':>9} {'full[' + handler + ']':>14} {'ratio':>6}   {'raw produce':>11}"
        f" {'relay alone':>11} {'ratio':>6}",
    ]
    for i, r in enumerate(results, 1):
        lines.append(
            f"{i:>3}  {r.raw.rate:>9.0f} {r.full.rate:>14.0f} {r.full.rate / r.raw.rate:>6.2f}"
            f"   {r.raw_produce_rate:>11.0f} {r.relay.rate:>11.0f} {r.relay.rate / r.raw_produce_rate:>6.2f}"
        )
    full_ratio = median([r.full.rate / r.raw.rate for r in results])
    relay_ratio = median([r.relay.rate / r.raw_produce_rate for r in results])
    lines += [
        f"med  {median([r.raw.rate for r in results]):>9.0f} {median([r.full.rate for r in results]):>14.0f}"
        f" {full_ratio:>6.2f}   {median([r.raw_produce_rate for r in results]):>11.0f}"
        f" {median([r.relay.rate for r in results]):>11.0f} {relay_ratio:>6.2f}",
        "",
        "CPU per event (µs) by process, last run:",
    ]
    last = results[-1]
    for name, stretch in (("raw", last.raw), (f"full[{handler}]", last.full), ("relay alone", last.relay)):
        per = "  ".join(f"{role} {stretch.cpu_us(role):6.1f}" for role in sorted(stretch.children))
        servers = "  ".join(
            f"{label} {seconds / n * 1e6:6.1f}"
            for label, seconds in (("kafka", stretch.usage.kafka_cpu_s), ("postgres", stretch.usage.pg_cpu_s))
            if seconds is not None
        )
        lines.append(f"  {name:<16} {per}  {servers}")
    raw_rate, full_rate = median([r.raw.rate for r in results]), median([r.full.rate for r in results])
    produce_rate = median([r.raw_produce_rate for r in results])
    relay_rate = median([r.relay.rate for r in results])
    lines += [
        "",
        f"RESULT processes raw={raw_rate:.0f} ev/s full[{handler}]={full_rate:.0f} ev/s"
        f" ratio={full_ratio:.2f} (aim >= 0.5)  raw_produce={produce_rate:.0f} ev/s"
        f" relay_alone={relay_rate:.0f} ev/s ratio={relay_ratio:.2f} (aim >= 0.8)",
    ]
    return "\n".join(lines)

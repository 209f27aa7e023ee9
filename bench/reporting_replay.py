"""Reporting replay: how fast the projection consumer rebuilds the figures from the topics, and how
fast the rollups read them.

One run, one broker, one PostgreSQL:

1. a generated history (communities' whole lifecycles: registration, reviews, tender, works, daily
   safety patrols, failed acceptances and rectifications, acceptance, takeover, close-out, the award
   approved and paid in tranches, with the occasional reversal) is produced to fresh
   `registry.events` and `funding.events` topics (not timed);
2. **raw**: a plain aiokafka consumer (`make_consumer`, manual commits) reads every record and
   commits each batch: the ceiling;
3. **replay**: what `renovation replay reporting` runs (`shared.bus.rebuild`: reporting's own
   decoding, inbox and `SUBSCRIPTIONS`, in `--workers` processes, one per core by default), on a
   fresh database with reporting's migrations, reads the same topics from the start to their end;
   every event must then be in the inbox, and the figures are checked against the history's own
   counts;
4. **rollups**: the p95 of `district_rollups` (a programme as of a month's end, with the month's
   own changes) against the p95 of a single primary-key lookup of one `district_day` row, on the
   same database.

    .venv/bin/python -m bench.reporting_replay                      # 200,000 events, 5,000 communities
    .venv/bin/python -m bench.reporting_replay --full               # 2,000,000 events, 50,000 communities
    .venv/bin/python -m bench.reporting_replay --events 20000 --communities 500   # a quick check

KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL reuse running servers (see bench/README.md).
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from bench.harness import BenchContext, Meter, wait_assigned
from bench.harness.cli import base_parser, quiet_fresh_topic_noise, run_on_stack, say
from bench.harness.stack import Stack
from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers.rollups import district_rollups
from services.reporting.models.projections import DistrictDay
from shared.access import OrganisationKind, Principal, Scope
from shared.bus.kafka import ensure_topics, make_consumer, make_producer
from shared.bus.rebuild import RebuildJob, end_offsets, rebuild
from shared.bus.relay import HEADERS
from shared.contracts.base import EventPayload
from shared.contracts.envelope import CloudEvent
from shared.contracts.funding import SubsidyApproved, SubsidyDisbursed, SubsidyDisbursementReversed
from shared.contracts.registry import (
    AcceptanceFailed,
    ConstructionCompleted,
    ConstructionStarted,
    Defect,
    ProjectAccepted,
    ProjectClosed,
    ProjectRegistered,
    PropertyTakenOver,
    RectificationCompleted,
    ReviewPassed,
    SafetyPatrolRecorded,
    TenderAwarded,
)
from shared.contracts.topics import FUNDING_EVENTS, REGISTRY_EVENTS, dead_letter_topic
from shared.db import create_engine, create_sessions
from shared.policy import Participation, bundled_profiles
from shared.settings import ServiceSettings
from shared.web.collector import tune_collector

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "reporting" / "migrations"
PARTITIONS = 3  # the platform's default topic_partitions
BATCH = 500  # the platform's default consumer_batch_size
FIRST_DAY = date(2019, 1, 1)
SPAN_DAYS = 730
OFFICE = Principal("office", "office", OrganisationKind.OFFICE, frozenset({Scope.REPORTING_READ}))


def _districts() -> list[tuple[str, str]]:
    """(programme, district) pairs: every bound district of every bundled programme."""
    return [
        (code, d.code)
        for code, profile in sorted(bundled_profiles().items())
        for d in profile.jurisdiction.districts
        if d.participation is Participation.MANDATORY
    ]


def _lifecycle(rng: random.Random, programme: str, district: str, patrols: int) -> list[EventPayload]:
    """One community's project from registration to close-out, with `patrols` daily patrols."""
    common = {
        "project_id": uuid.uuid4(),
        "community_id": uuid.uuid4(),
        "district_code": district,
        "programme_code": programme,
    }
    award = {"award_id": uuid.uuid4(), "project_id": common["project_id"], "district_code": district}
    award["programme_code"] = programme
    day = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS - 200))
    investment = rng.randrange(100_000_00, 5_000_000_00)
    events: list[EventPayload] = [ProjectRegistered(**common, name="文化路3号院", investment_fen=investment)]  # type: ignore[arg-type]
    events.append(ReviewPassed(**common, step="approval", passed_on=day, reference="郑建〔2019〕1号"))  # type: ignore[arg-type]
    day += timedelta(days=rng.randrange(5, 30))
    events.append(TenderAwarded(**common, awarded_on=day, contractor="某建设公司"))  # type: ignore[arg-type]
    day += timedelta(days=rng.randrange(5, 20))
    events.append(ConstructionStarted(**common, started_on=day))  # type: ignore[arg-type]
    for n in range(patrols):
        patrolled = day + timedelta(days=n)
        hazards = ["临边无护栏"] if rng.random() < 0.05 else []
        events.append(
            SafetyPatrolRecorded(  # type: ignore[arg-type]
                **common,
                patrolled_on=patrolled,
                findings="巡查",
                hazards=hazards,
                contractor_notified=bool(hazards),
            )
        )
    day += timedelta(days=max(patrols, 1))
    events.append(ConstructionCompleted(**common, completed_on=day))  # type: ignore[arg-type]
    if rng.random() < 0.2:
        defect = Defect(description="屋面渗漏", recorded_by="supervisor")
        events.append(AcceptanceFailed(**common, inspected_on=day, defects=[defect]))  # type: ignore[arg-type]
        day += timedelta(days=rng.randrange(3, 15))
        events.append(RectificationCompleted(**common, rectified_on=day))  # type: ignore[arg-type]
    day += timedelta(days=rng.randrange(1, 10))
    events.append(ProjectAccepted(**common, investment_fen=investment, accepted_on=day))  # type: ignore[arg-type]
    amount = investment * 4 // 10
    events.append(SubsidyApproved(**award, basis_fen=investment, ratio="0.40", amount_fen=amount))  # type: ignore[arg-type]
    first = amount // 2
    tranche = {"tranche_id": uuid.uuid4(), "paid_on": day + timedelta(days=20)}
    events.append(
        SubsidyDisbursed(**award, **tranche, amount_fen=first, paid_fen=first, outstanding_fen=amount - first)  # type: ignore[arg-type]
    )
    if rng.random() < 0.02:
        events.append(
            SubsidyDisbursementReversed(  # type: ignore[arg-type]
                **award,
                tranche_id=uuid.uuid4(),
                reverses_tranche_id=tranche["tranche_id"],
                amount_fen=first,
                reversed_on=day + timedelta(days=25),
                paid_fen=0,
                outstanding_fen=amount,
            )
        )
    events.append(
        PropertyTakenOver(
            **common, taken_over_on=day + timedelta(days=30), mode="property-company", manager="某物业"
        )
    )  # type: ignore[arg-type]
    events.append(ProjectClosed(**common, closed_on=day + timedelta(days=40)))  # type: ignore[arg-type]
    return events


def history(
    n_events: int, communities: int, seed: int = 11
) -> tuple[list[tuple[str, bytes, bytes]], Counter[str]]:
    """About `n_events` events over `communities` projects (patrols make up the difference).

    Returns:
        (base topic, key, envelope bytes) in a per-project order, and the expected totals.
    """
    rng = random.Random(seed)
    pairs = _districts()
    per_project = max(0, n_events // communities - 14)
    records: list[tuple[str, bytes, bytes]] = []
    expected: Counter[str] = Counter()
    for i in range(communities):
        programme, district = pairs[i % len(pairs)]
        for payload in _lifecycle(rng, programme, district, per_project):
            key = payload.partition_key().encode()
            records.append((payload.TOPIC, key, CloudEvent.wrap(payload).to_bytes()))
            expected[type(payload).__name__] += 1
            if isinstance(payload, SubsidyApproved):
                expected["approved_award_fen"] += payload.amount_fen
    return records, expected


async def produce(ctx: BenchContext, prefix: str, records: list[tuple[str, bytes, bytes]]) -> list[str]:
    """Every record to its prefixed topic; returns the topics."""
    topics = [prefix + REGISTRY_EVENTS, prefix + FUNDING_EVENTS]
    await ensure_topics(ctx.bootstrap, [*topics, prefix + dead_letter_topic("reporting")], PARTITIONS)
    producer = make_producer(ctx.bootstrap, client_id="bench-history")
    await producer.start()
    try:
        pending = []
        for base, key, value in records:
            pending.append(await producer.send(prefix + base, value=value, key=key, headers=HEADERS))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return topics


async def _joined_at_the_start(consumer: Any) -> None:
    """Join the group before the clock starts, then rewind: joining may already have fetched."""
    await wait_assigned(consumer)
    await consumer.seek_to_beginning()


async def raw_consume(ctx: BenchContext, topics: list[str], n: int) -> float:
    """Seconds for plain aiokafka to read and commit all `n` records (group joined first)."""
    consumer = make_consumer(ctx.bootstrap, f"bench-{ctx.label}-raw", topics, "bench-raw")
    await consumer.start()
    try:
        await _joined_at_the_start(consumer)
        seen = 0
        started = time.perf_counter()
        while seen < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            offsets = {}
            for tp, batch in batches.items():
                if batch:
                    seen += len(batch)
                    offsets[tp] = batch[-1].offset + 1
            if offsets:
                await consumer.commit(offsets)
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def replay(ctx: BenchContext, topics: list[str], prefix: str, n: int, url: str, workers: int) -> float:
    """Seconds for `renovation replay`'s rebuild (`shared.bus.rebuild`, reporting's own
    `EventConsumer` and `SUBSCRIPTIONS` in `workers` processes) to handle all `n` events into a
    fresh database; the inbox then holds every one."""
    group = f"bench-{ctx.label}-replay"
    job = RebuildJob(
        service="reporting",
        subscriptions="services.reporting.handlers",
        database_url=url,
        bootstrap_servers=ctx.bootstrap,
        group=group,
        dead_letter_topic=prefix + dead_letter_topic("reporting"),
        gc_thresholds=ServiceSettings(service_name="bench-replay").gc_thresholds,
    )
    spans = await end_offsets(ctx.bootstrap, topics)
    started = time.perf_counter()
    read = await rebuild(job, spans, workers=workers)
    elapsed = time.perf_counter() - started
    if read != n:
        raise AssertionError(f"{read} records read, expected {n}")
    poll = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with poll.connect() as conn:
            sql = text("SELECT count(*) FROM inbox_message WHERE consumer_group = :g")
            inbox = int((await conn.execute(sql, {"g": group})).scalar_one())
    finally:
        await poll.dispose()
    if inbox != n:
        raise AssertionError(f"{inbox} events in the inbox, expected {n}")
    return elapsed


async def check(url: str, expected: Counter[str]) -> None:
    """The rebuilt figures equal the history's own counts."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            t = DistrictDay.__table__  # type: ignore[attr-defined]
            names = ("registered_projects", "accepted_projects", "patrols_recorded", "approved_award_fen")
            row = (await conn.execute(select(*[text(f"sum({n})") for n in names]).select_from(t))).one()
        got = dict(zip(names, (int(v or 0) for v in row), strict=True))
        want = {
            "registered_projects": expected["ProjectRegistered"],
            "accepted_projects": expected["ProjectAccepted"],
            "patrols_recorded": expected["SafetyPatrolRecorded"],
            "approved_award_fen": expected["approved_award_fen"],
        }
        if got != want:
            raise AssertionError(f"replayed figures differ: {got} != {want}")
    finally:
        await engine.dispose()


def _children_cpu_s() -> float:
    """CPU seconds of this process's reaped children (the rebuild's worker processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.1f}s"


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


async def queries(url: str, count: int, seed: int = 5) -> tuple[float, float, int]:
    """p95 seconds of a month's rollup of one programme and of a primary-key lookup; rows stored."""
    rng = random.Random(seed)
    engine = create_engine(url)
    sessions = create_sessions(engine)
    pairs = _districts()
    t = DistrictDay.__table__  # type: ignore[attr-defined]
    rollup_s: list[float] = []
    lookup_s: list[float] = []
    try:
        async with sessions() as session:
            keys = (await session.exec(select(t.c.programme_code, t.c.district_code, t.c.day))).all()  # type: ignore[call-overload]
            for i in range(count + count // 10):
                programme = pairs[rng.randrange(len(pairs))][0]
                month = period_span(Period.MONTH, FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS)))
                key = keys[rng.randrange(len(keys))]
                started = time.perf_counter()
                found = await district_rollups(session, OFFICE, month, programme)
                middle = time.perf_counter()
                lookup = select(t).where(
                    t.c.programme_code == key[0], t.c.district_code == key[1], t.c.day == key[2]
                )
                (await session.exec(lookup)).one()  # type: ignore[call-overload]
                ended = time.perf_counter()
                assert found is not None
                if i >= count // 10:  # the first tenth warms the caches
                    rollup_s.append(middle - started)
                    lookup_s.append(ended - middle)
        return _p95(rollup_s), _p95(lookup_s), len(keys)
    finally:
        await engine.dispose()


async def run(stack: Stack, n_events: int, communities: int, n_queries: int, workers: int) -> str:
    ctx = BenchContext.on(stack)
    say(f"generating about {n_events:,} events over {communities:,} communities")
    records, expected = history(n_events, communities)
    n = len(records)
    prefix = f"bench.{ctx.label}."
    say(f"producing {n:,} events")
    with Meter(ctx.probe) as produced:
        topics = await produce(ctx, prefix, records)
    del records
    url = await ctx.databases.create(f"bench_{ctx.label}_replay", MIGRATIONS)
    try:
        say("raw aiokafka consume")
        raw_s = await raw_consume(ctx, topics, n)
        say(f"replay: renovation replay's rebuild, {workers} worker process(es)")
        children = _children_cpu_s()
        with Meter(ctx.probe) as replayed:
            replay_s = await replay(ctx, topics, prefix, n, url, workers)
        workers_cpu_s = _children_cpu_s() - children
        await check(url, expected)
        say(f"rollup queries ({n_queries} of each)")
        rollup_p95, lookup_p95, rows = await queries(url, n_queries)
    finally:
        await ctx.databases.drop_all()
    raw_rate, replay_rate = n / raw_s, n / replay_s
    lines = [
        "Reporting replay",
        "",
        *[f"  {k}: {v}" for k, v in stack.facts(PARTITIONS)],
        f"  history: {n:,} events, {communities:,} communities, {rows:,} district-day rows"
        f" (produced in {produced.usage.wall_s:.1f}s)",
        "",
        f"  raw aiokafka consume   {raw_rate:>12,.0f} events/s   ({raw_s:.1f}s)",
        f"  reporting replay       {replay_rate:>12,.0f} events/s   ({replay_s:.1f}s)",
        f"  replay / raw           {replay_rate / raw_rate:>12.2f}   (aim >= 0.5)",
        f"  replay CPU: python {replayed.usage.py_cpu_s + workers_cpu_s:.1f}s"
        f" ({workers} worker process(es) and this one), postgres {_cpu(replayed.usage.pg_cpu_s)},"
        f" kafka {_cpu(replayed.usage.kafka_cpu_s)} ({os.cpu_count()} cores)",
        "",
        f"  rollup p95 (programme, month)   {rollup_p95 * 1000:>8.2f} ms",
        f"  indexed lookup p95 (one row)    {lookup_p95 * 1000:>8.2f} ms",
        f"  rollup / lookup                 {rollup_p95 / lookup_p95:>8.2f}   (aim <= 3)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = base_parser("bench.reporting_replay", __doc__, events=200_000, runs=1, warmup=0)
    parser.add_argument(
        "--communities", type=int, default=5_000, help="projects in the history (default 5,000)"
    )
    parser.add_argument("--queries", type=int, default=500, help="rollup queries timed (default 500)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="rebuild processes (default: the cores)"
    )
    parser.add_argument("--full", action="store_true", help="2,000,000 events over 50,000 communities")
    args = parser.parse_args(argv)
    if args.full:
        args.events, args.communities = 2_000_000, 50_000
    quiet_fresh_topic_noise()
    # The replay runs in a service process, whose runner tunes the collector; the raw consume
    # measured beside it runs in this process too, so it gets the same settings.
    tune_collector(ServiceSettings(service_name="bench-replay").gc_thresholds)
    return run_on_stack(
        lambda stack: run(stack, args.events, args.communities, args.queries, args.workers),
        prefix="bench-replay-",
    )


if __name__ == "__main__":
    sys.exit(main())

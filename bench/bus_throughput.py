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
import asyncio
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from sqlalchemy import BigInteger, Column, String, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.kafka.launcher import KafkaBroker, kafka_from_env_or_start
from deploy.postgres.launcher import PostgresCluster, postgres_from_env_or_start
from services.reporting.handlers import count_registered_project
from services.reporting.models import DistrictRollup
from shared.bus.consumer import EventConsumer, Handler, ReceivedEvent
from shared.bus.kafka import ensure_topics, make_consumer, make_producer, wait_for_kafka
from shared.bus.outbox import WAKER_KEY, stage
from shared.bus.relay import HEADERS, OutboxRelay
from shared.clock import utcnow
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectRegistered
from shared.contracts.topics import REGISTRY_EVENTS, dead_letter_topic
from shared.db import create_engine, create_sessions, run_migrations
from shared.db.types import UtcDateTime

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "services" / "reporting" / "migrations"
PARTITIONS = 3
BATCH = 500  # the platform's default outbox_batch_size and consumer_batch_size
INSERT_BATCH = 500  # outbox rows staged per transaction before the timed part
POLL_S = 0.02  # how often the bench polls the database for progress
DISTRICTS = [f"1101{i:02d}" for i in range(1, 17)]  # 16 district counters the handler upserts
# A short real name: the envelope is ~640 bytes, about the smallest a ProjectRegistered CloudEvent
# gets (the project id alone appears three times: subject, data, partitionkey).
PROJECT_NAME = "Xiyuan No.3 compound"
STAGE_TIMEOUT_S = 300.0


# --------------------------------------------------------------------------- payloads


def make_payloads(n: int) -> list[ProjectRegistered]:
    return [
        ProjectRegistered(
            project_id=uuid.uuid4(),
            community_id=uuid.uuid4(),
            district_code=DISTRICTS[i % len(DISTRICTS)],
            programme_code="2025-OLD-RENOV",
            name=PROJECT_NAME,
            investment_fen=1_234_567_00 + i,
        )
        for i in range(n)
    ]


def envelope_size() -> int:
    return len(CloudEvent.wrap(make_payloads(1)[0]).to_bytes())


# --------------------------------------------------------------------------- handlers

_ROLLUP = DistrictRollup.__table__  # type: ignore[attr-defined]
_UPSERT = (
    pg_insert(_ROLLUP)
    .values(
        registered_projects=1,
        accepted_projects=0,
        approved_award_fen=0,
    )
    .on_conflict_do_update(
        index_elements=[_ROLLUP.c.district_code],
        set_={
            "registered_projects": _ROLLUP.c.registered_projects + 1,
            "updated_at": pg_insert(_ROLLUP).excluded.updated_at,
        },
    )
)


async def upsert_district_counter(session: AsyncSession, event: ReceivedEvent) -> None:
    """One small write per event: bump the district's counter with a single upsert statement."""
    assert isinstance(event.payload, ProjectRegistered)
    await session.exec(
        _UPSERT,  # type: ignore[call-overload]
        params={"district_code": event.payload.district_code, "updated_at": utcnow()},
    )


class BenchEvent(SQLModel, table=True):
    """A row per event for the 'insert' handler (created by the bench, not by a migration)."""

    __tablename__ = "bench_event"

    event_id: str = Field(sa_column=Column(String(64), primary_key=True))
    district_code: str = Field(sa_column=Column(String(64), nullable=False))
    investment_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    received_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


async def insert_event_row(session: AsyncSession, event: ReceivedEvent) -> None:
    """One small write per event through the unit of work: flushed in bulk at the batch commit."""
    assert isinstance(event.payload, ProjectRegistered)
    session.add(
        BenchEvent(
            event_id=event.id,
            district_code=event.payload.district_code,
            investment_fen=event.payload.investment_fen,
            received_at=utcnow(),
        )
    )


async def no_write(session: AsyncSession, event: ReceivedEvent) -> None:
    """No handler work at all: what is left is the bus's own cost (decode, inbox, commits)."""


HANDLER_NOTES = {
    "upsert": "INSERT .. ON CONFLICT DO UPDATE of one of 16 district counters per event",
    "reporting": "services.reporting.handlers.count_registered_project (ORM get + modify)",
    "insert": "session.add() of one bench_event row per event, flushed at the batch commit",
    "none": "no handler work: the bus alone (decode, inbox, DB commit, offset commit)",
}
HANDLERS: dict[str, Handler] = {
    "upsert": upsert_district_counter,  # Core INSERT .. ON CONFLICT DO UPDATE: 1 statement/event
    "reporting": count_registered_project,  # the reporting service's own ORM handler
    "insert": insert_event_row,  # ORM add, no round trip per event
    "none": no_write,
}


# --------------------------------------------------------------------------- measuring


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_cpu_s(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of a process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / _CLK_TCK


class CpuProbe:
    """CPU seconds used so far by this process, the Kafka JVM and the PostgreSQL server."""

    def __init__(self, kafka_pid: int | None, pg_postmaster_pid: int | None) -> None:
        self.kafka_pid = kafka_pid
        self.pg_pid = pg_postmaster_pid

    def kafka(self) -> float | None:
        if self.kafka_pid is None:
            return None
        got = _proc_cpu_s(self.kafka_pid)
        return got[1] if got else None

    def postgres(self) -> dict[int, float] | None:
        """Per-process CPU of the postmaster and its children (backends come and go)."""
        if self.pg_pid is None:
            return None
        out: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            got = _proc_cpu_s(pid)
            if got and (pid == self.pg_pid or got[0] == self.pg_pid):
                out[pid] = got[1]
        return out


@dataclass
class Usage:
    wall_s: float
    py_cpu_s: float
    kafka_cpu_s: float | None
    pg_cpu_s: float | None


class Meter:
    """Wall time and CPU of each party over one timed stretch."""

    def __init__(self, probe: CpuProbe) -> None:
        self.probe = probe

    def __enter__(self) -> Meter:
        self._wall = time.perf_counter()
        self._py = time.process_time()
        self._kafka = self.probe.kafka()
        self._pg = self.probe.postgres()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._wall
        py = time.process_time() - self._py
        kafka_now = self.probe.kafka()
        kafka = None if kafka_now is None or self._kafka is None else kafka_now - self._kafka
        pg_now = self.probe.postgres()
        pg = None
        if pg_now is not None and self._pg is not None:
            pg = sum(cpu - self._pg.get(pid, 0.0) for pid, cpu in pg_now.items())
        self.usage = Usage(wall, py, kafka, pg)


@dataclass
class DbCounts:
    checkouts: int = 0  # each one is a pre-ping round trip (pool_pre_ping=True)
    begins: int = 0  # psycopg sends BEGIN as its own round trip
    statements: int = 0
    commits: int = 0

    @property
    def round_trips(self) -> int:
        return self.checkouts + self.begins + self.statements + self.commits

    def minus(self, other: DbCounts) -> DbCounts:
        return DbCounts(
            self.checkouts - other.checkouts,
            self.begins - other.begins,
            self.statements - other.statements,
            self.commits - other.commits,
        )


class DbCounter:
    """Counts what the engine sends to PostgreSQL (the bench's own progress polls excluded)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.counts = DbCounts()
        self.paused = False
        sync = engine.sync_engine
        event.listen(sync.pool, "checkout", lambda *a: self._bump("checkouts"))
        event.listen(sync, "begin", lambda *a: self._bump("begins"))
        event.listen(sync, "before_cursor_execute", lambda *a: self._bump("statements"))
        event.listen(sync, "commit", lambda *a: self._bump("commits"))

    def _bump(self, name: str) -> None:
        if not self.paused:
            setattr(self.counts, name, getattr(self.counts, name) + 1)

    def snapshot(self) -> DbCounts:
        c = self.counts
        return DbCounts(c.checkouts, c.begins, c.statements, c.commits)


@dataclass
class BatchCounts:
    batches: int = 0
    events: int = 0


def count_batches(obj: Any, method: str, counts: BatchCounts, size: Callable[[Any, Any], int]) -> None:
    """Wrap an instance's coroutine method to count the batches it handles (instrumentation)."""
    original = getattr(obj, method)

    async def counted(*args: Any) -> Any:
        result = await original(*args)
        n = size(args, result)
        if n:
            counts.batches += 1
            counts.events += n
        return result

    setattr(obj, method, counted)


# --------------------------------------------------------------------------- results


@dataclass
class RawResult:
    n: int
    usage: Usage
    produce_s: float  # first send to last ack

    @property
    def rate(self) -> float:
        return self.n / self.usage.wall_s


@dataclass
class SpineResult:
    n: int
    insert_s: float
    usage: Usage
    db: DbCounts
    relay_batches: BatchCounts
    consumer_batches: BatchCounts

    @property
    def rate(self) -> float:
        return self.n / self.usage.wall_s

    @property
    def insert_rate(self) -> float:
        return self.n / self.insert_s

    @property
    def with_insert_rate(self) -> float:
        return self.n / (self.insert_s + self.usage.wall_s)


@dataclass
class SplitResult:
    n: int
    handler: str
    relay: Usage
    relay_db: DbCounts
    relay_batches: BatchCounts
    consumer: Usage
    consumer_db: DbCounts
    consumer_batches: BatchCounts
    bus_only: Usage  # the consumer again, same records, a second group, no-op handler
    bus_only_db: DbCounts
    bus_only_batches: BatchCounts


@dataclass
class Bench:
    bootstrap: str
    postgres: Any
    probe: CpuProbe
    label: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    databases: list[str] = field(default_factory=list)

    # ----------------------------------------------------------------- raw
    async def raw(self, n: int, run: str) -> RawResult:
        """N envelopes through an idempotent acks=all producer and a manually committing consumer."""
        topic = f"bench.{self.label}.{run}.raw"
        await ensure_topics(self.bootstrap, [topic], PARTITIONS)
        records = [(p.partition_key().encode(), CloudEvent.wrap(p).to_bytes()) for p in make_payloads(n)]
        producer = make_producer(self.bootstrap, client_id="bench-raw")
        consumer = make_consumer(self.bootstrap, f"bench-{self.label}-{run}-raw", [topic], "bench")
        await producer.start()
        await consumer.start()
        try:
            await wait_assigned(consumer)

            async def consume_all() -> None:
                seen = 0
                while seen < n:
                    batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
                    for tp, batch in batches.items():
                        if batch:
                            seen += len(batch)
                            await consumer.commit({tp: batch[-1].offset + 1})

            with Meter(self.probe) as meter:
                started = time.perf_counter()
                consuming = asyncio.create_task(consume_all())
                futures = [
                    await producer.send(topic, value=value, key=key, headers=HEADERS)
                    for key, value in records
                ]
                await asyncio.gather(*futures)
                produce_s = time.perf_counter() - started
                await asyncio.wait_for(consuming, STAGE_TIMEOUT_S)
        finally:
            await consumer.stop()
            await producer.stop()
        return RawResult(n, meter.usage, produce_s)

    # ----------------------------------------------------------------- spine
    async def _rig(self, run: str) -> SpineRig:
        name = f"bench_{self.label}_{run}"
        url = await asyncio.to_thread(self.postgres.create_database, name)
        self.databases.append(name)
        await asyncio.to_thread(run_migrations, MIGRATIONS, url)
        return await SpineRig.start(self.bootstrap, url, f"bench.{self.label}.{run}.")

    async def spine(self, n: int, run: str, handler: str) -> SpineResult:
        """Rows staged up front; timed: relay and consumer together until N inbox rows committed."""
        rig = await self._rig(run)
        try:
            consumer_batches = BatchCounts()
            consumer = await rig.consumer("reporting", HANDLERS[handler], consumer_batches)
            insert_s = await rig.insert(make_payloads(n))
            before = rig.db.snapshot()
            with Meter(self.probe) as meter:
                relaying = asyncio.create_task(rig.relay.run())
                consuming = asyncio.create_task(consumer.run())
                await rig.wait_for(rig.inbox_count("reporting"), n, [relaying, consuming])
            db = rig.db.snapshot().minus(before)
            await rig.wait_for(rig.published_count, n, [relaying, consuming])
            await cancel(relaying, consuming)
            await rig.check(n, handler)
            return SpineResult(n, insert_s, meter.usage, db, rig.relay_batches, consumer_batches)
        finally:
            await rig.stop()

    async def split(self, n: int, run: str, handler: str) -> SplitResult:
        """The spine one stage at a time: the relay drains the outbox, then the consumer runs, then
        a second consumer group with a no-op handler reads the same records (the bus's own cost)."""
        rig = await self._rig(run)
        try:
            consumer_batches, bus_batches = BatchCounts(), BatchCounts()
            consumer = await rig.consumer("reporting", HANDLERS[handler], consumer_batches)
            bus_only = await rig.consumer("busonly", no_write, bus_batches)
            await rig.insert(make_payloads(n))

            before = rig.db.snapshot()
            with Meter(self.probe) as relay_meter:
                relaying = asyncio.create_task(rig.relay.run())
                await rig.wait_for(rig.published_count, n, [relaying])
            relay_db = rig.db.snapshot().minus(before)
            await cancel(relaying)

            before = rig.db.snapshot()
            with Meter(self.probe) as consumer_meter:
                consuming = asyncio.create_task(consumer.run())
                await rig.wait_for(rig.inbox_count("reporting"), n, [consuming])
            consumer_db = rig.db.snapshot().minus(before)
            await cancel(consuming)
            await rig.check(n, handler)

            before = rig.db.snapshot()
            with Meter(self.probe) as bus_meter:
                consuming = asyncio.create_task(bus_only.run())
                await rig.wait_for(rig.inbox_count("busonly"), n, [consuming])
            bus_db = rig.db.snapshot().minus(before)
            await cancel(consuming)
            return SplitResult(
                n, handler, relay_meter.usage, relay_db, rig.relay_batches,
                consumer_meter.usage, consumer_db, consumer_batches,
                bus_meter.usage, bus_db, bus_batches,
            )  # fmt: skip
        finally:
            await rig.stop()

    async def drop_databases(self) -> None:
        import psycopg

        conninfo = self.postgres.conninfo(getattr(self.postgres, "admin_db", "postgres"))
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            for name in self.databases:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class SpineRig:
    """One service's worth of bus on a fresh database and fresh topics: engine, producer, relay,
    and consumers built the way shared/service.py builds them."""

    def __init__(self, bootstrap: str, url: str, topic_prefix: str) -> None:
        self.bootstrap = bootstrap
        self.topic_prefix = topic_prefix
        self.topic = topic_prefix + REGISTRY_EVENTS
        self.engine = create_engine(url)
        self.db = DbCounter(self.engine)
        self.poll_engine = create_engine(url, pool_size=1, max_overflow=0)
        self.producer = make_producer(bootstrap, client_id="bench-spine")
        self.relay = OutboxRelay(
            service="bench",
            sessions=create_sessions(self.engine),
            producer=self.producer,
            topic_name=lambda base: f"{topic_prefix}{base}",
            batch_size=BATCH,
        )
        self.sessions = create_sessions(self.engine, **{WAKER_KEY: self.relay.wake})
        self.relay_batches = BatchCounts()
        # One _mark_published call per batch the relay confirms, with the batch's acked row ids.
        count_batches(self.relay, "_mark_published", self.relay_batches, lambda args, _: len(args[1]))
        self.kafka_consumers: list[AIOKafkaConsumer] = []

    @classmethod
    async def start(cls, bootstrap: str, url: str, topic_prefix: str) -> SpineRig:
        rig = cls(bootstrap, url, topic_prefix)
        async with rig.engine.begin() as conn:
            await conn.run_sync(BenchEvent.__table__.create)  # type: ignore[attr-defined]
        await rig.producer.start()
        return rig

    def group(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    async def consumer(self, name: str, handler: Handler, batches: BatchCounts) -> EventConsumer:
        """An EventConsumer in its own group, joined before any record is on the topic."""
        group = self.group(name)
        dlq = self.topic_prefix + dead_letter_topic(name)
        await ensure_topics(self.bootstrap, [self.topic, dlq], PARTITIONS)
        kafka_consumer = make_consumer(self.bootstrap, group, [self.topic], client_id=name)
        await kafka_consumer.start()
        self.kafka_consumers.append(kafka_consumer)
        await wait_assigned(kafka_consumer)
        consumer = EventConsumer(
            service="bench",
            consumer=kafka_consumer,
            producer=self.producer,
            sessions=self.sessions,
            handlers={ProjectRegistered.TYPE: handler},
            group=group,
            dead_letter_topic=dlq,
            batch_size=BATCH,
        )
        count_batches(consumer, "process_partition_batch", batches, lambda args, _: len(args[0]))
        return consumer

    async def insert(self, payloads: list[ProjectRegistered]) -> float:
        """Stage every payload into the outbox, INSERT_BATCH rows per committed transaction."""
        self.db.paused = True
        started = time.perf_counter()
        for i in range(0, len(payloads), INSERT_BATCH):
            async with self.sessions() as session, session.begin():
                for payload in payloads[i : i + INSERT_BATCH]:
                    stage(session, payload)
        elapsed = time.perf_counter() - started
        self.db.paused = False
        return elapsed

    async def _count(self, sql: str, **params: Any) -> int:
        async with self.poll_engine.connect() as conn:
            return int((await conn.execute(text(sql), params)).scalar_one())

    def inbox_count(self, name: str) -> Callable[[], Awaitable[int]]:
        group = self.group(name)

        async def inbox_count() -> int:
            return await self._count("SELECT count(*) FROM inbox_message WHERE consumer_group = :g", g=group)

        return inbox_count

    async def published_count(self) -> int:
        return await self._count("SELECT count(*) FROM outbox_message WHERE state = 'published'")

    async def wait_for(
        self, counter: Callable[[], Awaitable[int]], n: int, tasks: list[asyncio.Task[None]]
    ) -> None:
        deadline = time.perf_counter() + STAGE_TIMEOUT_S
        while await counter() < n:
            for task in tasks:
                if task.done():
                    task.result()  # raises what killed it
                    raise RuntimeError(f"{task} stopped early")
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{counter.__name__} did not reach {n}")
            await asyncio.sleep(POLL_S)

    async def check(self, n: int, handler: str) -> None:
        """Every event handled exactly once: N inbox rows, and N effects of the handler."""
        inbox = await self.inbox_count("reporting")()
        if handler in ("upsert", "reporting"):
            effects = await self._count("SELECT coalesce(sum(registered_projects), 0) FROM district_rollup")
        elif handler == "insert":
            effects = await self._count("SELECT count(*) FROM bench_event")
        else:
            effects = inbox
        if effects != n or inbox != n:
            raise AssertionError(f"expected {n} events handled once: effects={effects} inbox={inbox}")

    async def stop(self) -> None:
        for kafka_consumer in self.kafka_consumers:
            await kafka_consumer.stop()
        await self.producer.stop()
        await self.engine.dispose()
        await self.poll_engine.dispose()


async def wait_assigned(consumer: AIOKafkaConsumer) -> None:
    """Join the group before timing starts (the topics are still empty)."""
    deadline = time.perf_counter() + 60
    while not consumer.assignment():
        await consumer.getmany(timeout_ms=100)
        if time.perf_counter() > deadline:
            raise TimeoutError("consumer got no partitions")


async def cancel(*tasks: asyncio.Task[None]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            pass


# --------------------------------------------------------------------------- facts and report


def machine_facts(kafka: Any, pg_version: str, pg_settings: str) -> list[tuple[str, str]]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    kafka_version = kafka.version if isinstance(kafka, KafkaBroker) else "external (not probed)"
    where = "native, started by the bench" if isinstance(kafka, KafkaBroker) else kafka.bootstrap_servers
    return [
        ("cores", f"{os.cpu_count()} ({cpu})"),
        ("load average at start", " ".join(Path("/proc/loadavg").read_text().split()[:3])),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("kafka", f"{kafka_version}, 1 broker (KRaft), {PARTITIONS} partitions/topic, {where}"),
        ("postgresql", f"{pg_version} ({pg_settings})"),
        (
            "clients",
            f"aiokafka {dist_version('aiokafka')}, psycopg {dist_version('psycopg')}, "
            f"SQLAlchemy {dist_version('sqlalchemy')}, pydantic {dist_version('pydantic')}",
        ),
        ("envelope", f"{envelope_size()} bytes (ProjectRegistered CloudEvent, JSON)"),
    ]


def us_per_event(seconds: float | None, n: int) -> str:
    return "n/a" if seconds is None else f"{seconds / n * 1e6:7.1f}"


def pct(seconds: float | None, wall: float) -> str:
    return "n/a" if seconds is None else f"{seconds / wall * 100:4.0f}%"


def cpu_row(label: str, usage: Usage, n: int) -> list[str]:
    busy = "n/a"  # an external broker or database: its CPU is not visible from here
    if usage.kafka_cpu_s is not None and usage.pg_cpu_s is not None:
        total = usage.py_cpu_s + usage.kafka_cpu_s + usage.pg_cpu_s
        busy = f"{total / usage.wall_s / (os.cpu_count() or 1) * 100:3.0f}%"
    return [
        f"  {label:<22} {n / usage.wall_s:7.0f}/s  "
        f"python {us_per_event(usage.py_cpu_s, n)} µs/ev "
        f"({pct(usage.py_cpu_s, usage.wall_s)} of a core, ≤{n / usage.py_cpu_s:6.0f}/s at 100%)  "
        f"kafka {us_per_event(usage.kafka_cpu_s, n)}  "
        f"postgres {us_per_event(usage.pg_cpu_s, n)}  "
        f"machine busy {busy}"
    ]


def report(
    facts: list[tuple[str, str]],
    n: int,
    raws: list[RawResult],
    spines: dict[str, list[SpineResult]],
    split: SplitResult | None,
) -> str:
    handlers = list(spines)
    out: list[str] = []
    out.append("Bus throughput: raw aiokafka vs the spine (outbox → relay → Kafka → inbox → DB)")
    out.append("")
    for key, value in facts:
        out.append(f"  {key:<22} {value}")
    out.append(f"  {'events per run':<22} {n}")
    out.append("")
    out.append("Flow only (outbox rows staged before the clock starts), events/s:")
    head = "run  raw aiokafka"
    for h in handlers:
        head += f"  {'spine[' + h + ']':>15}  ratio"
    out.append(head)
    for i, raw in enumerate(raws):
        line = f"{i + 1:>3}  {raw.rate:12.0f}"
        for h in handlers:
            line += f"  {spines[h][i].rate:15.0f}  {spines[h][i].rate / raw.rate:5.2f}"
        out.append(line)
    raw_med = statistics.median(r.rate for r in raws)
    med = {h: statistics.median(s.rate for s in spines[h]) for h in handlers}
    line = f"med  {raw_med:12.0f}"
    for h in handlers:
        line += f"  {med[h]:15.0f}  {med[h] / raw_med:5.2f}"
    out.append(line)
    out.append("")
    out.append("Outbox insert + flow (staging N rows via outbox.stage, 500 per transaction, then")
    out.append("the flow above), median:")
    for h in handlers:
        incl = statistics.median(s.with_insert_rate for s in spines[h])
        ins = statistics.median(s.insert_rate for s in spines[h])
        out.append(
            f"  spine[{h}]: {incl:.0f} ev/s end to end; the insert alone {ins:.0f} rows/s "
            f"(ratio to raw {incl / raw_med:.2f})"
        )
    out.append("")
    result = f"RESULT raw={raw_med:.0f} ev/s"
    for h in handlers:
        result += f"  spine[{h}]={med[h]:.0f} ev/s ratio={med[h] / raw_med:.2f}"
    out.append(result + "  (aim: ratio 0.35 or better)")
    out.append("")
    out.append("Where the time goes: CPU per event by process (µs), median run. '≤ N/s at 100%' is")
    out.append("the rate this Python process would reach using a whole core; 'machine busy' is the")
    out.append("three processes' CPU / (wall × cores):")
    raw_mid = sorted(raws, key=lambda r: r.rate)[len(raws) // 2]
    out += cpu_row("raw produce→consume", raw_mid.usage, n)
    mids = {h: sorted(spines[h], key=lambda s: s.rate)[len(spines[h]) // 2] for h in handlers}
    for h in handlers:
        out += cpu_row(f"spine[{h}]", mids[h].usage, n)
    if split is not None:
        h = split.handler
        out += cpu_row("relay alone", split.relay, n)
        out += cpu_row(f"consumer[{h}] alone", split.consumer, n)
        out += cpu_row("consumer[none] alone", split.bus_only, n)
        r, c = n / split.relay.wall_s, n / split.consumer.wall_s
        out.append(
            f"  relay and consumer share one Python core: 1/(1/{r:.0f} + 1/{c:.0f}) = "
            f"{1 / (1 / r + 1 / c):.0f} ev/s if serialised (together: {mids[h].rate:.0f})"
        )
        raw_us = raw_mid.usage.py_cpu_s / n * 1e6
        relay_us = split.relay.py_cpu_s / n * 1e6
        bus_us = split.bus_only.py_cpu_s / n * 1e6
        handler_us = (split.consumer.py_cpu_s - split.bus_only.py_cpu_s) / n * 1e6
        out.append(
            f"  python CPU per event: raw {raw_us:.0f} µs | spine: relay {relay_us:.0f} µs + "
            f"consumer without handler {bus_us:.0f} µs + handler[{h}] {handler_us:.0f} µs"
        )
    out.append("")
    out.append("Database round trips (pool pre-ping + BEGIN + statements + COMMIT):")
    for h in handlers:
        d, rb, cb = mids[h].db, mids[h].relay_batches, mids[h].consumer_batches
        out.append(
            f"  spine[{h}]: {d.round_trips / n:.3f}/event ({d.statements} statements, "
            f"{d.commits} commits); relay {rb.batches} batches of {avg(rb)} rows, "
            f"consumer {cb.batches} batches of {avg(cb)} events"
        )
    if split is not None:
        for label, db, batches in (
            ("relay alone", split.relay_db, split.relay_batches),
            (f"consumer[{split.handler}] alone", split.consumer_db, split.consumer_batches),
            ("consumer[none] alone", split.bus_only_db, split.bus_only_batches),
        ):
            per_batch = db.round_trips / max(batches.batches, 1)
            out.append(
                f"  {label:<22} {per_batch:.1f} per batch "
                f"({db.statements / max(batches.batches, 1):.1f} statements), "
                f"{batches.batches} batches of {avg(batches)}"
            )
    return "\n".join(out)


def avg(batches: BatchCounts) -> str:
    return f"{batches.events / max(batches.batches, 1):.0f}"


# --------------------------------------------------------------------------- main


async def run_bench(args: argparse.Namespace, kafka: Any, postgres: Any) -> str:
    await wait_for_kafka(kafka.bootstrap_servers, 60)
    import psycopg

    with psycopg.connect(postgres.conninfo(getattr(postgres, "admin_db", "postgres"))) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        pg_settings = ", ".join(
            f"{name}={conn.execute(f'SHOW {name}').fetchone()[0]}"  # type: ignore[index]
            for name in ("fsync", "synchronous_commit")
        )
    pg_pid = None
    if isinstance(postgres, PostgresCluster):
        pg_pid = int((postgres.data_dir / "postmaster.pid").read_text().splitlines()[0])
    probe = CpuProbe(kafka.pid if isinstance(kafka, KafkaBroker) else None, pg_pid)
    bench = Bench(kafka.bootstrap_servers, postgres, probe)
    facts = machine_facts(kafka, pg_version, pg_settings)
    for h in args.handlers:
        facts.append((f"handler[{h}]", HANDLER_NOTES[h]))
    n = args.events
    try:
        say(f"warming up ({args.warmup} events each way)")
        await bench.raw(args.warmup, "warmup")
        for h in args.handlers:
            await bench.spine(args.warmup, f"warmup_{h}", h)
        raws: list[RawResult] = []
        spines: dict[str, list[SpineResult]] = {h: [] for h in args.handlers}
        for i in range(1, args.runs + 1):
            raws.append(await bench.raw(n, f"r{i}"))
            progress = f"run {i}: raw {raws[-1].rate:.0f} ev/s"
            for h in args.handlers:
                spines[h].append(await bench.spine(n, f"r{i}_{h}", h))
                progress += f", spine[{h}] {spines[h][-1].rate:.0f} ev/s"
            say(progress)
        split = None
        if not args.no_split:
            split = await bench.split(n, "split", args.handlers[0])
            say(
                f"split: relay alone {n / split.relay.wall_s:.0f} ev/s, "
                f"consumer[{split.handler}] alone {n / split.consumer.wall_s:.0f} ev/s, "
                f"consumer[none] alone {n / split.bus_only.wall_s:.0f} ev/s"
            )
    finally:
        await bench.drop_databases()
    return report(facts, n, raws, spines, split)


_FRESH_TOPIC_NOISE = (
    "GroupCoordinatorNotAvailable",  # the first group join on a fresh broker
    "Marking the coordinator dead",
    "NotLeaderForPartition",  # offsets asked for before a fresh topic's leader is known
)


def _drop_fresh_topic_noise(record: logging.LogRecord) -> bool:
    """aiokafka logs these at ERROR while every run creates topics and groups; they retry by
    themselves, and the bench checks that every event arrived exactly once anyway."""
    message = record.getMessage()
    return not any(noise in message for noise in _FRESH_TOPIC_NOISE)


def say(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bus_throughput", description=__doc__)
    parser.add_argument("--events", type=int, default=20000, help="events per run (default 20000)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs (default 3)")
    parser.add_argument("--warmup", type=int, default=3000, help="events in the warm-up round")
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
    args = parser.parse_args(argv)
    unknown = [h for h in args.handlers if h not in HANDLERS]
    if unknown or not args.handlers:
        parser.error(f"--handlers: unknown {unknown}; choose from {sorted(HANDLERS)}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("aiokafka", "aiokafka.consumer.group_coordinator", "aiokafka.consumer.fetcher"):
        logging.getLogger(name).addFilter(_drop_fresh_topic_noise)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-bus-") as tmp:
        say("starting Kafka and PostgreSQL (or using KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL)")
        kafka = kafka_from_env_or_start(Path(tmp) / "kafka")
        try:
            postgres = postgres_from_env_or_start(Path(tmp) / "postgres")
            try:
                text_out = asyncio.run(run_bench(args, kafka, postgres))
            finally:
                postgres.stop()
                if isinstance(postgres, PostgresCluster):
                    postgres.cleanup()
        finally:
            kafka.stop()
    print(text_out)
    print(f"\n(whole run, including broker and database start-up: {time.perf_counter() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

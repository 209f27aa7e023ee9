"""The bus on a three-broker cluster (replication factor 3, min.insync.replicas 2) under the faults
issue 12 lists, one at a time: the partition leader's broker SIGKILLed and restarted; the relay
killed after the commit and before publishing (a new one takes over); PostgreSQL stopped and
restarted; a consumer rebalance (a second replica joins and leaves); one poison event in a
hundred. In each run the outbox relay publishes a flow of events written while the fault goes
on, a consumer with its inbox applies them, and afterwards: nothing lost, no effect doubled, each
key's order held, and the dead-letter topic holds exactly the poison events with their reason.

`FAULT_EVENTS` (default 1000) sizes each flow and `FAULT_DB_DOWN_S` (default 30) the database
outage; `make soak` runs them longer. Each run prints its row of the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.kafka.launcher import KafkaCluster
from deploy.postgres.launcher import PostgresCluster, PostgresLauncherError, PostgresServer, find_bindir
from shared.bus.consumer import EventConsumer
from shared.bus.errors import PermanentError
from shared.bus.kafka import TopicSpec, ensure_topics, make_consumer, make_producer
from shared.bus.outbox import add_to_outbox
from shared.bus.producer import RenewableProducer
from shared.bus.relay import OutboxRelay
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.contracts.registry import ProjectRegistered
from shared.contracts.topics import REGISTRY_EVENTS, dead_letter_topic
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from shared.web.runtime import supervise, wake_relay_on_new_events
from tests.support.kafka_io import dead_letter_reasons, partition_leader

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "reporting" / "migrations"
EVENTS = int(os.environ.get("FAULT_EVENTS", "1000"))
DB_DOWN_S = float(os.environ.get("FAULT_DB_DOWN_S", "30"))
PER_KEY = 20
POISON_EVERY = 100
POISON = "POISON"
CLUSTER_SPEC = TopicSpec(partitions=3, replication_factor=3, min_insync_replicas=2)
HEADER = (
    "fault                              events  lost  duplicate effects  dead-lettered  out-of-order  seconds"
)


async def _record(session: AsyncSession, event: ReceivedEvent[ProjectRegistered]) -> None:
    """The effect: one row per event, in the order the consumer applied them; poison never lands."""
    if event.payload.name == POISON:
        raise PermanentError("a poison event: this handler can never apply it")
    await session.exec(  # type: ignore[call-overload]
        text("INSERT INTO fault_effect (project_id, seq) VALUES (:p, :s)").bindparams(
            p=str(event.payload.project_id), s=event.payload.investment_fen
        )
    )


async def _until(done: Callable[[int], bool], probe: Callable[[], Awaitable[int]], timeout_s: float) -> None:
    """Poll `probe` until `done` says so or the time is up (the assertions then tell the story).
    A probe that fails (the database is down) counts as not done."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if done(await probe()):
                return
        await asyncio.sleep(0.2)


@dataclass
class FaultRun:
    """One flow of events through relay → cluster → consumer, with the pieces a fault touches."""

    bootstrap: str
    prefix: str
    engine: AsyncEngine
    poison: bool = False
    tasks: dict[str, asyncio.Task[Any]] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    replicas: dict[str, tuple[Any, RenewableProducer]] = field(default_factory=dict)
    """Each consumer replica's aiokafka consumer and producer, by name."""
    projects: list[uuid.UUID] = field(
        default_factory=lambda: [uuid.uuid4() for _ in range(EVENTS // PER_KEY)]
    )

    @property
    def topic(self) -> str:
        return self.prefix + REGISTRY_EVENTS

    @property
    def dlq(self) -> str:
        return self.prefix + dead_letter_topic("faults")

    @property
    def total(self) -> int:
        return len(self.projects) * PER_KEY

    def is_poison(self, seq: int, index: int) -> bool:
        return self.poison and (seq * len(self.projects) + index) % POISON_EVERY == POISON_EVERY - 1

    @property
    def poisoned(self) -> int:
        return sum(self.is_poison(s, i) for s in range(PER_KEY) for i in range(len(self.projects)))

    async def start(self) -> None:
        self.sessions = create_sessions(self.engine)
        self.relay = await self.start_relay()
        self.unit_of_work = UnitOfWork(self.sessions, after_commit=[wake_relay_on_new_events(self.relay)])
        await self.start_consumer("consumer")

    async def start_relay(self) -> OutboxRelay:
        producer = RenewableProducer(lambda: make_producer(self.bootstrap, "faults-relay"))
        await producer.start()
        self.closers.append(producer.stop)
        relay = OutboxRelay(
            service="faults",
            sessions=self.sessions,
            producer=producer,
            topic_name=lambda base: self.prefix + base,
            batch_size=200,
            poll_interval_s=0.1,
            max_backoff_s=2.0,
            ack_timeout_s=10.0,
        )
        self.tasks["relay"] = supervise("relay", relay.run)  # restarted after a crash, as deployed
        return relay

    async def start_consumer(self, name: str) -> None:
        producer = RenewableProducer(lambda: make_producer(self.bootstrap, f"faults-{name}"))
        await producer.start()
        kafka_consumer = make_consumer(self.bootstrap, self.prefix + "faults", [self.topic], "faults")
        await kafka_consumer.start()
        consumer = EventConsumer(
            service="faults",
            consumer=kafka_consumer,
            producer=producer,
            unit_of_work=self.unit_of_work,
            subscriptions=Subscriptions({ProjectRegistered: _record}),
            group=self.prefix + "faults",
            dead_letter_topic=self.dlq,
            batch_size=200,
            max_backoff_s=2.0,
            handler_timeout_s=10.0,
        )
        self.tasks[name] = supervise(name, consumer.run)
        self.closers += [kafka_consumer.stop, producer.stop]
        self.replicas[name] = (kafka_consumer, producer)

    async def stop_consumer(self, name: str) -> None:
        """The replica leaves: its loop ends and its aiokafka consumer leaves the group."""
        task = self.tasks.pop(name)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        kafka_consumer, producer = self.replicas.pop(name)
        await kafka_consumer.stop()
        await producer.stop()

    async def kill_relay(self) -> None:
        """As a SIGKILL would: the loop dies wherever it is, leased rows stay leased."""
        task = self.tasks.pop("relay")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def effects(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM fault_effect"))).scalar_one())

    async def write_events(self) -> None:
        """Each round adds the next event of every project in one transaction while the flow and
        the fault go on; a round the database refuses is retried, as a client would."""
        for seq in range(PER_KEY):
            while True:
                try:
                    async with self.unit_of_work() as session:
                        for index, project in enumerate(self.projects):
                            add_to_outbox(
                                session,
                                ProjectRegistered(
                                    project_id=project,
                                    community_id=project,
                                    district_code="110101",
                                    programme_code="2025-OLD-RENOV",
                                    name=POISON if self.is_poison(seq, index) else "Fault test compound",
                                    investment_fen=seq,
                                ),
                            )
                    break
                except Exception:
                    await asyncio.sleep(0.5)
            await asyncio.sleep(0.25)

    async def close(self) -> None:
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        for close in self.closers:
            with contextlib.suppress(Exception):
                await close()


Fault = Callable[[FaultRun], Awaitable[str]]


async def _kill_partition_leader(run: FaultRun, cluster: KafkaCluster) -> str:
    killed = await partition_leader(run.bootstrap, run.topic, 0)
    victim = cluster.broker(killed)
    await asyncio.to_thread(victim.kill)  # SIGKILL, mid-flow
    await asyncio.sleep(5)
    await asyncio.to_thread(victim.start)
    return f"SIGKILL leader of partition 0 (b{killed})"


async def _kill_relay_after_commit(run: FaultRun) -> str:
    await run.kill_relay()
    await asyncio.sleep(1)
    relay = await run.start_relay()  # the restarted service; it re-sends what was in flight
    run.unit_of_work = UnitOfWork(run.sessions, after_commit=[wake_relay_on_new_events(relay)])
    return "relay killed after commit, replaced"


async def _rebalance(run: FaultRun) -> str:
    await run.start_consumer("second")
    await asyncio.sleep(6)  # joins, takes partitions, handles some
    await run.stop_consumer("second")
    return "second consumer joins and leaves"


async def _poison(run: FaultRun) -> str:
    return f"one poison event per {POISON_EVERY}"


async def _run_flow(
    cluster: KafkaCluster, database_url: str, fault: Fault, *, poison: bool = False
) -> tuple[FaultRun, dict[str, int]]:
    bootstrap = cluster.bootstrap_servers
    prefix = f"f{uuid.uuid4().hex[:8]}."
    await asyncio.to_thread(run_migrations, MIGRATIONS, database_url)
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE fault_effect (id BIGSERIAL PRIMARY KEY, project_id TEXT NOT NULL, seq INT NOT NULL)"
            )
        )
    run = FaultRun(bootstrap, prefix, engine, poison=poison)
    await ensure_topics(bootstrap, [run.topic, run.dlq], spec=CLUSTER_SPEC)
    await run.start()
    applied = run.total - run.poisoned
    started = time.monotonic()
    writer = asyncio.create_task(run.write_events())
    try:
        await _until(lambda n: n >= applied // 4, run.effects, timeout_s=120)
        name = await fault(run)
        await writer
        await _until(lambda n: n >= applied, run.effects, timeout_s=240)
        await asyncio.sleep(3)  # a late duplicate would show up here
    finally:
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
        await run.close()

    async with engine.connect() as conn:
        rows, distinct = (
            await conn.execute(text("SELECT count(*), count(DISTINCT (project_id, seq)) FROM fault_effect"))
        ).one()
        orders = (
            await conn.execute(
                text("SELECT project_id, array_agg(seq ORDER BY id) FROM fault_effect GROUP BY project_id")
            )
        ).all()
        states = dict(
            (await conn.execute(text("SELECT state, count(*) FROM outbox_message GROUP BY state"))).all()
        )
    await engine.dispose()
    reasons = await dead_letter_reasons(bootstrap, run.dlq)
    figures = {
        "lost": applied - distinct,
        "duplicates": rows - distinct,
        "dead_lettered": len(reasons),
        "out_of_order": sum(1 for _, seqs in orders if list(seqs) != sorted(seqs)),
    }
    print(
        f"\n{HEADER}\n{name:<34} {run.total:>6}  {figures['lost']:>4}  {figures['duplicates']:>17}  "
        f"{figures['dead_lettered']:>13}  {figures['out_of_order']:>12}  {time.monotonic() - started:>7.1f}"
    )
    assert states == {}, states  # every row published and deleted; none parked or left pending
    assert set(reasons) <= {"permanent"}, reasons
    return run, figures


@pytest.fixture
def fault_database(postgres: PostgresServer) -> str:
    return postgres.create_database(f"faults_{uuid.uuid4().hex[:8]}")


NOTHING_WRONG = {"lost": 0, "duplicates": 0, "dead_lettered": 0, "out_of_order": 0}


@pytest.mark.timeout(600)
async def test_killing_the_partition_leader_mid_flow_loses_nothing_and_keeps_key_order(
    kafka_cluster: KafkaCluster, fault_database: str
) -> None:
    _, figures = await _run_flow(
        kafka_cluster, fault_database, lambda run: _kill_partition_leader(run, kafka_cluster)
    )
    assert figures == NOTHING_WRONG


@pytest.mark.timeout(600)
async def test_a_relay_killed_after_the_commit_is_replaced_and_every_event_lands_once(
    kafka_cluster: KafkaCluster, fault_database: str
) -> None:
    _, figures = await _run_flow(kafka_cluster, fault_database, _kill_relay_after_commit)
    assert figures == NOTHING_WRONG


@pytest.mark.timeout(600)
async def test_a_consumer_joining_and_leaving_mid_flow_keeps_every_effect_exactly_once(
    kafka_cluster: KafkaCluster, fault_database: str
) -> None:
    _, figures = await _run_flow(kafka_cluster, fault_database, _rebalance)
    assert figures == NOTHING_WRONG


@pytest.mark.timeout(600)
async def test_poison_events_are_dead_lettered_exactly_and_the_rest_flow_on(
    kafka_cluster: KafkaCluster, fault_database: str
) -> None:
    run, figures = await _run_flow(kafka_cluster, fault_database, _poison, poison=True)
    assert run.poisoned == EVENTS // POISON_EVERY
    assert figures == {**NOTHING_WRONG, "dead_lettered": run.poisoned}


@pytest.mark.skipif(
    not os.environ.get("FAULT_SOAK"),
    reason="`make soak` only: test_cluster_flow_faults.py stops PostgreSQL under the services' own flow",
)
@pytest.mark.timeout(900)
async def test_postgresql_stopped_mid_flow_delays_but_dead_letters_and_loses_nothing(
    kafka_cluster: KafkaCluster, tmp_path: Path
) -> None:
    """A database of its own, so stopping it touches no other test's connections; stopped in
    `immediate` mode (no checkpoint, like a crash) and restarted."""
    try:
        find_bindir()
    except PostgresLauncherError:
        pytest.skip("no PostgreSQL binaries to start a server of its own (an external DATABASE_URL)")
    # Durable, as in production: the test servers' synchronous_commit=off would lose commits the
    # consumer was told had landed when the server stops like a crash, and their offsets are gone.
    server = PostgresCluster(tmp_path / "pg", durable=True).start()

    async def outage(run: FaultRun) -> str:
        await asyncio.to_thread(server.stop, "immediate")
        await asyncio.sleep(DB_DOWN_S)
        await asyncio.to_thread(server.start)
        return f"PostgreSQL stopped {DB_DOWN_S:.0f} s"

    try:
        _, figures = await _run_flow(kafka_cluster, server.create_database("faults"), outage)
    finally:
        server.stop()
        server.cleanup()
    assert figures == NOTHING_WRONG

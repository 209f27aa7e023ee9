"""The services' own flow on the three-broker cluster (replication factor 3, min.insync.replicas 2)
under issue 12's faults, one at a time: ProjectAccepted → funding proposes the award → Finance
approves it and pays a tranche over HTTP → SubsidyApproved, SubsidyDisbursed → reporting's rollup
and a signed webhook per event.

Funding runs in a process of its own (`python -m services.funding`) so it can be SIGKILLed;
reporting and notification run in the test's process; all three share one PostgreSQL server of the
test's own (durable, as in production), so it can be stopped like a crash. Each fault gets a fresh
set of projects while the flow goes on; afterwards, cumulatively:

* lost: an award, a figure or a webhook short of what the accepted projects call for;
* duplicate effects: a second award or tranche for a project, a figure above it, a webhook id beyond
  one per event;
* dead-lettered: records on the three services' dead-letter topics (only the poison events, as
  `malformed`);
* out-of-order: projects whose SubsidyDisbursed precedes their SubsidyApproved on the funding topic.

`FLOW_FAULT_PROJECTS` (default 60) sizes each fault's flow and `FAULT_DB_DOWN_S` (default 30) the
outage; `make soak` runs them larger. The table is printed at the end. The bus's own fault suite
(`test_cluster_faults.py`) drives relay and consumer with 20 events per key for a stricter order
check.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from deploy.kafka.launcher import KafkaCluster
from deploy.postgres.launcher import PostgresCluster, PostgresLauncherError, find_bindir
from services.reporting.main import create_reporting_app
from shared.clock import shanghai_date, utcnow
from shared.contracts.dead_letter import MALFORMED
from shared.contracts.topics import FUNDING_EVENTS, REGISTRY_EVENTS, dead_letter_topic
from shared.db import create_engine
from tests.support import tokens
from tests.support.events import project_accepted
from tests.support.kafka_io import dead_letter_reasons, partition_leader, read_topic
from tests.support.platform import Platform, new_prefix
from tests.support.servers import RunningServer, serve
from tests.support.service_process import ServiceProcess
from tests.support.webhook_receiver import WebhookReceiver

PROJECTS = int(os.environ.get("FLOW_FAULT_PROJECTS", "60"))
DB_DOWN_S = float(os.environ.get("FAULT_DB_DOWN_S", "30"))
POISON_EVERY = 20
"""One poison ProjectAccepted in this many, in the poison fault's flow (at least one at 20 projects)."""
AWARD_FEN = 200_000_00  # 40% of each project's 500,000.00 yuan (Zhengzhou 2019 三(二))
TRANCHE_FEN = 50_000_00
APPROVED = "funding.subsidy.approved.v1"
DISBURSED = "funding.subsidy.disbursed.v1"
SERVICES = ("funding", "reporting", "notification")
CLUSTER = {"kafka_replication_factor": 3, "kafka_min_insync_replicas": 2}
HEADER = "fault                                         events  lost  duplicate effects  dead-lettered  out-of-order  seconds"


def _poison_bytes(project_id: uuid.UUID) -> bytes:
    """A ProjectAccepted whose data no consumer can read: the investment is not a number."""
    envelope = json.loads(project_accepted(project_id=project_id).to_bytes())
    envelope["data"]["investment_fen"] = "five hundred thousand"
    return json.dumps(envelope).encode()


@dataclass
class AwardFlow:
    """The running services, the expected totals so far, and what each fault needs to reach."""

    platform: Platform
    funding: ServiceProcess
    receiver: WebhookReceiver
    producer: AIOKafkaProducer
    reporting_replicas: list[RunningServer] = field(default_factory=list)
    valid: list[uuid.UUID] = field(default_factory=list)
    poisoned: int = 0
    unpublished_at_kill: int = 0
    """Funding's committed, unpublished outbox rows when it was SIGKILLed."""
    refused: list[int] = field(default_factory=list)
    """Status codes (0: no answer) Finance's calls got while the flow ran: none may be a 500."""

    def finance(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.funding.url, timeout=30, headers=tokens.finance())

    async def publish(self, projects: list[uuid.UUID], poison: set[uuid.UUID]) -> None:
        """The registry's ProjectAccepted for each project, keyed by project, in four waves."""
        topic = self.platform.topic(REGISTRY_EVENTS)
        waves = [projects[i::4] for i in range(4)]
        for wave in waves:
            for project in wave:
                value = (
                    _poison_bytes(project)
                    if project in poison
                    else project_accepted(project_id=project).to_bytes()
                )
                await self.producer.send(topic, value=value, key=str(project).encode())
            await self.producer.flush()
            await asyncio.sleep(0.5)

    async def command(self, path: str, key: str, body: dict[str, Any] | None = None) -> None:
        """One Finance command under an Idempotency-Key, retried while funding or its database is away."""
        for _ in range(600):
            try:
                async with self.finance() as client:
                    response = await client.post(path, json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError:
                self.refused.append(0)
                await asyncio.sleep(0.25)
                continue
            if response.status_code in (200, 201):
                return
            self.refused.append(response.status_code)
            assert response.status_code in (503, 429), response.text
            await asyncio.sleep(0.25)
        raise AssertionError(f"{path} never succeeded")

    async def awards(self) -> list[dict[str, Any]]:
        try:
            async with self.finance() as client:
                response = await client.get("/awards")
        except httpx.HTTPError:
            self.refused.append(0)
            return []
        if response.status_code != 200:
            self.refused.append(response.status_code)
            return []
        return list(response.json())

    async def approve_and_pay(self, projects: set[uuid.UUID]) -> None:
        """Finance approves each project's award as it is proposed, then pays one tranche of it."""
        done: set[str] = set()
        today = shanghai_date(utcnow()).isoformat()
        gate = asyncio.Semaphore(8)

        async def settle(award_id: str) -> None:
            async with gate:
                await self.command(f"/awards/{award_id}/approval", f"approve-{award_id}")
                await self.command(
                    f"/awards/{award_id}/tranches",
                    f"pay-{award_id}",
                    {"amount_fen": TRANCHE_FEN, "paid_on": today},
                )

        while len(done) < len(projects):
            fresh = [a["id"] for a in await self.awards() if uuid.UUID(a["project_id"]) in projects]
            fresh = [award for award in fresh if award not in done]
            done.update(fresh)
            await asyncio.gather(*(settle(award) for award in fresh))
            await asyncio.sleep(0.3)

    async def settled(self, timeout_s: float) -> dict[str, Any]:
        """Wait until the rollup and the webhooks have caught up with the expected totals, then
        return what was observed (after a pause in which a late duplicate would show)."""
        deadline = time.monotonic() + timeout_s
        expected = len(self.valid)
        while time.monotonic() < deadline:
            observed = await self.observed()
            row = observed["rollup"]
            if (
                row.get("paid_fen", 0) >= expected * TRANCHE_FEN
                and row.get("accepted_projects", 0) >= expected
                and len(observed["webhook_ids"]) >= 2 * expected
            ):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)
        return await self.observed()

    async def observed(self) -> dict[str, Any]:
        async with self.platform.client("reporting", tokens.office()) as office:
            try:
                response = await office.get("/rollups/districts/zz-jinshui")
                rollup = response.json() if response.status_code == 200 else {}
            except httpx.HTTPError:
                rollup = {}
        return {
            "rollup": rollup,
            "awards": await self.awards(),
            "webhook_ids": {h.headers["webhook-id"] for h in self.receiver.received},
        }

    async def join_reporting_replica(self) -> RunningServer:
        settings = self.platform.settings("reporting", **CLUSTER)
        replica = await serve(create_reporting_app(settings))
        self.reporting_replicas.append(replica)
        return replica


Fault = Callable[[AwardFlow], Awaitable[str]]


async def _kill_partition_leader(flow: AwardFlow, cluster: KafkaCluster) -> str:
    leader = await partition_leader(cluster.bootstrap_servers, flow.platform.topic(FUNDING_EVENTS), 0)
    broker = cluster.broker(leader)
    await asyncio.to_thread(broker.kill)
    await asyncio.sleep(5)
    await asyncio.to_thread(broker.start)
    return f"SIGKILL leader of funding partition 0 (b{leader})"


async def _kill_funding(flow: AwardFlow) -> str:
    """SIGKILL the funding process the moment its outbox holds committed rows not yet published
    (watched from outside, every few milliseconds), count them after the kill, and start it again:
    its successor must publish each of them once. A kill that missed the window is tried again."""
    engine = create_engine(flow.platform.database_url("funding"))
    unpublished, tries = 0, 0
    try:
        while tries < 5:
            tries += 1
            async with engine.connect() as connection:
                for _ in range(4000):
                    if await _unpublished(connection):
                        break
                    await asyncio.sleep(0.002)
                flow.funding.kill()
                unpublished = await _unpublished(connection)
            await flow.funding.start()
            if unpublished:
                break
        flow.unpublished_at_kill = unpublished
    finally:
        await engine.dispose()
    return f"funding SIGKILLed{f' ({tries}×)' if tries > 1 else ''}, {unpublished} rows unpublished"


async def _unpublished(connection: Any) -> int:
    statement = text("SELECT count(*) FROM outbox_message")  # published rows are deleted
    return int((await connection.execute(statement)).scalar_one())


async def _stop_postgresql(flow: AwardFlow, server: PostgresCluster) -> str:
    await asyncio.to_thread(server.stop, "immediate")
    await asyncio.sleep(DB_DOWN_S)
    await asyncio.to_thread(server.start)
    return f"PostgreSQL stopped {DB_DOWN_S:.0f} s (immediate), restarted"


async def _rebalance(flow: AwardFlow) -> str:
    replica = await flow.join_reporting_replica()
    await asyncio.sleep(6)  # joins reporting's group, takes partitions, handles some
    await replica.stop()
    flow.reporting_replicas.remove(replica)
    return "a second reporting replica joins and leaves"


async def _poison(flow: AwardFlow) -> str:
    return f"one poison ProjectAccepted per {POISON_EVERY}"


async def _funding_order(flow: AwardFlow, projects: int) -> int:
    """Projects whose first SubsidyDisbursed comes before their first SubsidyApproved on the topic."""
    records = await read_topic(
        flow.platform.kafka.bootstrap_servers, flow.platform.topic(FUNDING_EVENTS), 2 * projects
    )
    first: dict[str, dict[str, int]] = {}
    for record in records:
        event_type = json.loads(record.value)["type"]
        seen = first.setdefault(record.key.decode(), {})
        seen.setdefault(event_type, record.offset)
    return sum(1 for seen in first.values() if seen.get(DISBURSED, -1) < seen.get(APPROVED, -1))


async def _run_fault(flow: AwardFlow, fault: Fault, *, poison: bool = False) -> dict[str, Any]:
    started = time.monotonic()
    projects = [uuid.uuid4() for _ in range(PROJECTS)]
    bad = {p for i, p in enumerate(projects) if poison and i % POISON_EVERY == POISON_EVERY - 1}
    flow.valid += [p for p in projects if p not in bad]
    flow.poisoned += len(bad)
    wanted = set(projects) - bad

    settling = asyncio.create_task(flow.approve_and_pay(wanted))
    publishing = asyncio.create_task(flow.publish(projects, bad))
    await asyncio.sleep(1.0)  # the first wave is under way when the fault strikes
    name = await fault(flow)
    await publishing
    await asyncio.wait_for(settling, timeout=300)
    observed = await flow.settled(timeout_s=180)

    expected = len(flow.valid)
    row = observed["rollup"]
    awards = observed["awards"]
    per_project: dict[str, int] = {}
    for award in awards:
        per_project[award["project_id"]] = per_project.get(award["project_id"], 0) + 1
    ids = observed["webhook_ids"]
    figures = {
        "lost": max(0, expected - len(per_project))
        + max(0, expected - row.get("approved_awards", 0))
        + max(0, expected * TRANCHE_FEN - row.get("paid_fen", 0)) // TRANCHE_FEN
        + max(0, 2 * expected - len(ids)),
        "duplicates": sum(n - 1 for n in per_project.values())
        + max(0, row.get("accepted_projects", 0) - expected)
        + max(0, row.get("approved_awards", 0) - expected)
        + max(0, row.get("approved_award_fen", 0) - expected * AWARD_FEN) // AWARD_FEN
        + max(0, row.get("paid_fen", 0) - expected * TRANCHE_FEN) // TRANCHE_FEN
        + max(0, len(ids) - 2 * expected),
        "dead_lettered": 0,
        "out_of_order": await _funding_order(flow, expected),
    }
    reasons: list[str] = []
    for service in SERVICES:
        reasons += await dead_letter_reasons(
            flow.platform.kafka.bootstrap_servers, flow.platform.topic(dead_letter_topic(service))
        )
    figures["dead_lettered"] = len(reasons)
    assert set(reasons) <= {MALFORMED}, reasons
    events = len(projects) + 4 * len(wanted)  # accepted; approved and disbursed; a webhook for each
    print(
        f"{name:<46} {events:>6}  {figures['lost']:>4}  {figures['duplicates']:>17}  "
        f"{figures['dead_lettered']:>13}  {figures['out_of_order']:>12}  {time.monotonic() - started:>7.1f}"
    )
    return figures


@pytest.mark.timeout(1500)
async def test_the_award_flow_on_three_brokers_survives_each_fault_with_every_effect_once(
    kafka_cluster: KafkaCluster, tmp_path: Path
) -> None:
    try:
        find_bindir()
    except PostgresLauncherError:
        pytest.skip("no PostgreSQL binaries to start a server of its own (an external DATABASE_URL)")
    server = PostgresCluster(tmp_path / "pg", durable=True).start()
    platform = Platform(kafka=kafka_cluster, postgres=server, prefix=new_prefix())
    receiver = WebhookReceiver()
    hook = await serve(receiver.app())
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_cluster.bootstrap_servers, enable_idempotence=True, acks="all"
    )
    funding_settings = platform.settings("funding", **CLUSTER)
    funding = ServiceProcess(
        "funding",
        {
            **{
                name: str(getattr(funding_settings, name))
                for name in (
                    "environment",
                    "database_url",
                    "kafka_bootstrap_servers",
                    "topic_prefix",
                    "outbox_poll_interval_s",
                    "consumer_retry_backoff_s",
                    "kafka_replication_factor",
                    "kafka_min_insync_replicas",
                )
            },
            "rate_limit_writes": "100000/minute",  # Finance's system settles a backlog at once
            "access_log_read_sample": "0",
        },
        tmp_path / "funding.log",
    )
    flow = AwardFlow(platform, funding, receiver, producer)
    try:
        await producer.start()
        await funding.start()
        for name in ("reporting", "notification"):
            await platform.start(name, **CLUSTER)
        async with platform.client("notification", tokens.finance()) as notification:
            created = await notification.post(
                "/subscriptions",
                json={"event_types": [APPROVED, DISBURSED], "endpoint_url": f"{hook.url}/hook"},
            )
        assert created.status_code == 201, created.text

        faults: list[tuple[Fault, bool]] = [
            (lambda f: _kill_partition_leader(f, kafka_cluster), False),
            (_kill_funding, False),
            (lambda f: _stop_postgresql(f, server), False),
            (_rebalance, False),
            (_poison, True),
        ]
        print(f"\n{HEADER}")
        rows = [await _run_fault(flow, fault, poison=poison) for fault, poison in faults]

        assert [{**r, "dead_lettered": 0} for r in rows] == [
            {"lost": 0, "duplicates": 0, "dead_lettered": 0, "out_of_order": 0}
        ] * len(faults)
        # nothing dead-lettered until the poison: then exactly the poison, once per consuming service
        assert [r["dead_lettered"] for r in rows] == [0] * (len(faults) - 1) + [flow.poisoned * len(SERVICES)]
        assert flow.poisoned >= 1
        assert flow.unpublished_at_kill >= 1  # funding died between its commit and its publishing
        # the outages were answered as outages (503, Retry-After) or not at all, never with a 500
        assert set(flow.refused) <= {0, 503, 429}, flow.refused
        assert 0 in flow.refused and 503 in flow.refused
    finally:
        for replica in flow.reporting_replicas:
            await replica.stop()
        await platform.stop_all()
        funding.stop()
        await producer.stop()
        await hook.stop()
        server.stop()
        server.cleanup()

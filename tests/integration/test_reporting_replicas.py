"""Two reporting replicas in one consumer group give exact figures; a replay rebuilds them exactly.

Real Kafka (topics of several partitions) and PostgreSQL. Events are published directly, as the
registry and funding would, keyed by project so they spread over the partitions; some twice.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from services.reporting.main import create_reporting_app
from shared.clock import shanghai_date
from shared.contracts.envelope import CloudEvent
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import (
    ProjectAccepted,
    ProjectRegistered,
    PropertyTakenOver,
    SafetyPatrolRecorded,
)
from shared.contracts.topics import FUNDING_EVENTS, REGISTRY_EVENTS
from shared.types import MONEY_CEILING_FEN
from tests.support import tokens
from tests.support.servers import RunningServer, eventually, serve

DISTRICTS = ("zz-jinshui", "zz-erqi", "zz-zhongyuan", "zz-guancheng", "zz-huiji")
PARTITIONS = 4
FIGURES = (
    "registered_projects",
    "registered_investment_fen",
    "accepted_projects",
    "accepted_investment_fen",
    "approved_awards",
    "approved_award_fen",
    "taken_over_projects",
    "taken_over_floor_area_dm2",
    "patrols_recorded",
    "patrol_hazards",
)
START = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)


def _history(seed: int, projects: int) -> tuple[list[CloudEvent], dict[str, Counter[str]]]:
    """Registered, accepted, approved, taken-over and patrol events over five weeks, and their figures."""
    rng = random.Random(seed)
    events: list[CloudEvent] = []
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for n in range(projects):
        district = DISTRICTS[n % len(DISTRICTS)]
        ids = {"project_id": uuid.uuid4(), "community_id": uuid.uuid4()}
        common = {**ids, "district_code": district, "programme_code": "zhengzhou-2019"}
        # a few projects at the money ceiling: sums far beyond 2**53 must stay exact
        investment = MONEY_CEILING_FEN if n % 50 == 0 else rng.randrange(1, 5_000_000_00)
        registered_at = START + timedelta(hours=rng.randrange(0, 24 * 35))
        events.append(
            _at(ProjectRegistered(**common, name=f"小区{n}", investment_fen=investment), registered_at)
        )
        expected[district].update(registered_projects=1, registered_investment_fen=investment)
        if n % 3 == 0:
            accepted_at = registered_at + timedelta(days=rng.randrange(1, 10))
            accepted = ProjectAccepted(
                **common, investment_fen=investment, accepted_on=shanghai_date(accepted_at)
            )
            events.append(_at(accepted, accepted_at))
            expected[district].update(accepted_projects=1, accepted_investment_fen=investment)
            award = (investment * 4 + 5) // 10
            approval = SubsidyApproved(
                award_id=uuid.uuid4(),
                project_id=ids["project_id"],
                district_code=district,
                programme_code="zhengzhou-2019",
                basis_fen=investment,
                ratio=Decimal("0.40"),
                amount_fen=award,
            )
            events.append(_at(approval, accepted_at + timedelta(hours=5)))
            expected[district].update(approved_awards=1, approved_award_fen=award)
            area = Decimal(rng.randrange(1, 10**9)) / 100  # m², two places: exact in dm²
            takeover = PropertyTakenOver(
                **common,
                taken_over_on=shanghai_date(accepted_at) + timedelta(days=2),
                mode="property-company",
                manager="某物业公司",
                floor_area_m2=area,
            )
            events.append(_at(takeover, accepted_at + timedelta(days=2)))
            expected[district].update(taken_over_projects=1, taken_over_floor_area_dm2=int(area * 100))
        if n % 4 == 1:
            for day in range(rng.randrange(1, 4)):
                hazards = ["临边无护栏"] * rng.randrange(0, 3)
                patrol = SafetyPatrolRecorded(
                    **common,
                    patrolled_on=shanghai_date(registered_at) + timedelta(days=day),
                    findings="巡查",
                    hazards=hazards,
                    contractor_notified=bool(hazards),
                )
                events.append(_at(patrol, registered_at + timedelta(days=day)))
                expected[district].update(patrols_recorded=1, patrol_hazards=len(hazards))
    return events, expected


def _at(payload: Any, time: datetime) -> CloudEvent:
    return CloudEvent.wrap(payload).model_copy(update={"time": time})


async def _publish(bootstrap: str, prefix: str, events: list[CloudEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        sends = [
            await producer.send(
                prefix + (FUNDING_EVENTS if e.source.endswith("funding") else REGISTRY_EVENTS),
                value=e.to_bytes(),
                key=(e.partitionkey or e.id).encode(),
            )
            for e in events
        ]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def _group_members(bootstrap: str, group: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
        return sum(len(g[5]) for g in response.groups if g[1] == group)
    finally:
        await admin.close()


async def _rollups(client, **params: str) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await client.get("/rollups/districts", params=params)
    assert response.status_code == 200, response.text
    return {r["district_code"]: {k: v for k, v in r.items() if k != "updated_at"} for r in response.json()}


def _only_figures(rollups: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {d: {f: r[f] for f in FIGURES} for d, r in rollups.items()}


async def test_two_replicas_in_one_group_count_exactly_and_a_replay_rebuilds_the_same(platform) -> None:  # type: ignore[no-untyped-def]
    bootstrap = platform.kafka.bootstrap_servers
    settings = platform.settings("reporting", topic_partitions=PARTITIONS, consumer_batch_size=50)
    first = await platform.start("reporting", topic_partitions=PARTITIONS, consumer_batch_size=50)
    second: RunningServer = await serve(create_reporting_app(settings))
    try:
        await eventually(lambda: _two(bootstrap, settings.consumer_group), timeout_s=60)
        events, expected = _history(seed=7, projects=600)
        random.Random(1).shuffle(events)  # keys keep each project's events in order per partition
        duplicates = events[::17]
        await _publish(bootstrap, platform.prefix, events + duplicates)

        want = {d: {f: expected[d][f] for f in FIGURES} for d in DISTRICTS}

        async def exact():  # type: ignore[no-untyped-def]
            got = _only_figures(await _rollups(first))
            return got == want or None

        await eventually(exact, timeout_s=180, interval_s=0.5)
        # A rebalance mid-run must not crash a replica out of the group (a revoked partition's
        # offsets are dropped, not committed); both are members again once it settles.
        await eventually(lambda: _two(bootstrap, settings.consumer_group), timeout_s=60)
        incremental = {
            "now": await _rollups(first),
            "week": await _rollups(first, period="week", date="2026-11-04"),
            "month": await _rollups(first, period="month", date="2026-10-31"),
            "day": await _rollups(first, date="2026-11-15"),
        }
        async with httpx.AsyncClient(base_url=second.url, headers=tokens.office(), timeout=30) as other:
            assert await _rollups(other) == incremental["now"], "both replicas answer from one database"
    finally:
        await second.stop()
    await platform.stop("reporting")

    # rebuild: a fresh database and a fresh consumer group replay both topics from the start
    rebuilt = await platform.start(
        "reporting",
        service_name="reporting-rebuild",
        database_url=platform.database_url("reporting_rebuild"),
        topic_partitions=PARTITIONS,
    )

    async def caught_up():  # type: ignore[no-untyped-def]
        return (await _rollups(rebuilt)) == incremental["now"] or None

    await eventually(caught_up, timeout_s=180, interval_s=0.5)
    assert await _rollups(rebuilt, period="week", date="2026-11-04") == incremental["week"]
    assert await _rollups(rebuilt, period="month", date="2026-10-31") == incremental["month"]
    assert await _rollups(rebuilt, date="2026-11-15") == incremental["day"]
    # the as-of figures really are history: October holds less than now
    october = incremental["month"]
    assert sum(r["registered_projects"] for r in october.values()) < 600
    assert all(r["as_of"] == "2026-10-31" for r in october.values())


async def _two(bootstrap: str, group: str) -> bool:
    return await _group_members(bootstrap, group) == 2


def test_history_dates_fall_on_both_sides_of_the_periods_asked_for() -> None:
    events, _ = _history(seed=7, projects=600)
    days = {shanghai_date(e.time) for e in events}
    assert min(days) <= date(2026, 10, 31) < max(days)

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
    CommunityReassessed,
    CommunityRegistered,
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
    "ledger_communities",
    "eligible_communities",
    "eligible_households",
    "eligible_floor_area_dm2",
)
STREET_FIGURES = (
    "ledger_communities",
    "eligible_communities",
    "eligible_households",
    "eligible_floor_area_dm2",
    "registered_projects",
    "accepted_projects",
)
START = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)


Streets = dict[tuple[str, str], Counter[str]]
"""(district, street office or "") → the street office's figures."""


def _history(seed: int, projects: int) -> tuple[list[CloudEvent], dict[str, Counter[str]], Streets]:
    """Community, registered, accepted, approved, taken-over and patrol events over five weeks, and
    their figures per district and per street office."""
    rng = random.Random(seed)
    events: list[CloudEvent] = []
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    streets: Streets = defaultdict(Counter)
    for n in range(projects):
        district = DISTRICTS[n % len(DISTRICTS)]
        ids = {"project_id": uuid.uuid4(), "community_id": uuid.uuid4()}
        common = {**ids, "district_code": district, "programme_code": "zhengzhou-2019"}
        # a few projects at the money ceiling: sums far beyond 2**53 must stay exact
        investment = MONEY_CEILING_FEN if n % 50 == 0 else rng.randrange(1, 5_000_000_00)
        registered_at = START + timedelta(hours=rng.randrange(0, 24 * 35))
        street = (f"{district[3:]}第{n % 7}街道", None)[n % 8 == 3]  # some name no street office
        _community_history(rng, events, expected, streets, common, street, registered_at)
        # old-style events (no street office, no registration date) count under "" on the event's day
        project_street = street if n % 2 == 0 else None
        registration = ProjectRegistered(
            **common,
            name=f"小区{n}",
            investment_fen=investment,
            street_office=project_street,
            registered_on=shanghai_date(registered_at) - timedelta(days=n % 3) if project_street else None,
        )
        events.append(_at(registration, registered_at))
        expected[district].update(registered_projects=1, registered_investment_fen=investment)
        streets[(district, project_street or "")].update(registered_projects=1)
        if n % 3 == 0:
            accepted_at = registered_at + timedelta(days=rng.randrange(1, 10))
            accepted = ProjectAccepted(
                **common, investment_fen=investment, accepted_on=shanghai_date(accepted_at)
            )
            events.append(_at(accepted, accepted_at))
            expected[district].update(accepted_projects=1, accepted_investment_fen=investment)
            streets[(district, project_street or "")].update(accepted_projects=1)
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
    return events, expected, streets


def _community_history(  # type: ignore[no-untyped-def]
    rng: random.Random, events, expected, streets, common, street: str | None, registered_at: datetime
) -> None:
    """The project's community entering the ledger the day before, sometimes reassessed later."""
    district = common["district_code"]
    fields = {
        "community_id": common["community_id"],
        "programme_code": common["programme_code"],
        "district_code": district,
        "street_office": street,
        "households": rng.randrange(1, 3000),
        "floor_area_m2": Decimal(rng.randrange(1, 10**8)) / 100,
    }
    eligible = rng.random() < 0.8
    entered_at = registered_at - timedelta(days=1)
    registration = CommunityRegistered(
        **fields, eligible=eligible, name="某小区", registered_on=shanghai_date(entered_at)
    )
    events.append(_at(registration, entered_at))
    counted = (expected[district], streets[(district, street or "")])
    area = int(fields["floor_area_m2"] * 100)
    for figures in counted:
        figures.update(ledger_communities=1)
    if rng.random() < 0.3:  # a reassessment: sometimes the same outcome, sometimes flipped
        after = rng.random() < 0.5
        at = entered_at + timedelta(days=rng.randrange(1, 20))
        reassessed = CommunityReassessed(
            **fields, eligible=after, was_eligible=eligible, reassessed_on=shanghai_date(at)
        )
        events.append(_at(reassessed, at))
        eligible = after
    if eligible:
        for figures in counted:
            figures.update(eligible_communities=1, eligible_households=fields["households"])
            figures.update(eligible_floor_area_dm2=area)


def _keep_order_per_key(events: list[CloudEvent]) -> list[CloudEvent]:
    """The shuffled events with each key's events back in their original order (as a producer's
    outbox publishes them), so only the interleaving of keys is random."""
    original: dict[str, list[CloudEvent]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e.time):
        original[e.partitionkey or e.id].append(e)
    cursors: Counter[str] = Counter()
    ordered = []
    for e in events:
        key = e.partitionkey or e.id
        ordered.append(original[key][cursors[key]])
        cursors[key] += 1
    return ordered


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


async def _streets(client, district: str, **params: str) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await client.get(f"/rollups/districts/{district}/street-offices", params=params)
    assert response.status_code == 200, response.text
    return {r["street_office"]: {k: v for k, v in r.items() if k != "updated_at"} for r in response.json()}


async def _all_streets(client, **params: str) -> dict[str, dict[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    return {d: await _streets(client, d, **params) for d in DISTRICTS}


def _only_figures(rollups: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    return {d: {f: r[f] for f in FIGURES} for d, r in rollups.items()}


async def test_two_replicas_in_one_group_count_exactly_and_a_replay_rebuilds_the_same(platform) -> None:  # type: ignore[no-untyped-def]
    bootstrap = platform.kafka.bootstrap_servers
    settings = platform.settings("reporting", topic_partitions=PARTITIONS, consumer_batch_size=50)
    first = await platform.start("reporting", topic_partitions=PARTITIONS, consumer_batch_size=50)
    second: RunningServer = await serve(create_reporting_app(settings))
    try:
        await eventually(lambda: _two(bootstrap, settings.consumer_group), timeout_s=60)
        events, expected, streets = _history(seed=7, projects=600)
        random.Random(1).shuffle(events)
        events = _keep_order_per_key(events)  # keys keep each project's events in order per partition
        duplicates = events[::17]
        await _publish(bootstrap, platform.prefix, events + duplicates)

        want = {d: {f: expected[d][f] for f in FIGURES} for d in DISTRICTS}

        async def exact():  # type: ignore[no-untyped-def]
            got = _only_figures(await _rollups(first))
            return got == want or None

        await eventually(exact, timeout_s=180, interval_s=0.5)
        want_streets = {
            d: {
                office: {f: figures[f] for f in STREET_FIGURES}
                for (dd, office), figures in streets.items()
                if dd == d
            }
            for d in DISTRICTS
        }
        got_streets = {
            d: {office: {f: r[f] for f in STREET_FIGURES} for office, r in by_office.items()}
            for d, by_office in (await _all_streets(first)).items()
        }
        assert got_streets == want_streets
        # A rebalance mid-run must not crash a replica out of the group (a revoked partition's
        # offsets are dropped, not committed); both are members again once it settles.
        await eventually(lambda: _two(bootstrap, settings.consumer_group), timeout_s=60)
        incremental = {
            "now": await _rollups(first),
            "week": await _rollups(first, period="week", date="2026-11-04"),
            "month": await _rollups(first, period="month", date="2026-10-31"),
            "day": await _rollups(first, date="2026-11-15"),
            "streets": await _all_streets(first),
            "streets_month": await _all_streets(first, period="month", date="2026-10-31"),
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
    assert await _all_streets(rebuilt) == incremental["streets"]
    assert await _all_streets(rebuilt, period="month", date="2026-10-31") == incremental["streets_month"]
    # the as-of figures really are history: October holds less than now
    october = incremental["month"]
    assert sum(r["registered_projects"] for r in october.values()) < 600
    assert all(r["as_of"] == "2026-10-31" for r in october.values())


async def _two(bootstrap: str, group: str) -> bool:
    return await _group_members(bootstrap, group) == 2


def test_history_dates_fall_on_both_sides_of_the_periods_asked_for() -> None:
    events, _, _ = _history(seed=7, projects=600)
    days = {shanghai_date(e.time) for e in events}
    assert min(days) <= date(2026, 10, 31) < max(days)

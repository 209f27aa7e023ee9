"""The operator's CLI against real Kafka and PostgreSQL: dead letters, parked outbox rows, replay.

Each command runs as `renovation ...` through Typer's CliRunner, in a thread (the commands run
their own event loop), with the service's environment pointing at this test's namespace, the
way an operator's shell would.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner, Result

from cli import app
from shared.db import create_engine
from tests.support.db import query, scalar
from tests.support.events import project_accepted
from tests.support.flows import accept_project, register_project
from tests.support.kafka_io import headers_of, produce_raw, read_topic
from tests.support.servers import eventually

runner = CliRunner()


def _env(platform: Any, service: str, database_url: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url or platform.database_url(service),
        "KAFKA_BOOTSTRAP_SERVERS": platform.kafka.bootstrap_servers,
        "TOPIC_PREFIX": platform.prefix,
        "COLUMNS": "300",  # rich tables unfolded
    }


async def renovation(platform: Any, service: str, *args: str, database_url: str | None = None) -> Result:  # type: ignore[no-untyped-def]
    env = _env(platform, service, database_url)
    return await asyncio.to_thread(runner.invoke, app, list(args), env=env)


async def test_dlq_lists_what_the_consumer_dead_lettered_and_redrives_it_to_its_topic(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("funding")
    bootstrap, events, dlq = (
        platform.kafka.bootstrap_servers,
        platform.topic("registry.events"),
        platform.topic("funding.dlq"),
    )
    poison = b'{"not": "a CloudEvent"}'
    await produce_raw(bootstrap, events, [poison], key=b"k")
    (dead,) = await read_topic(bootstrap, dlq, 1)
    where = f"{dead.partition}:{dead.offset}"

    listed = await renovation(platform, "funding", "dlq", "list", "funding")
    assert listed.exit_code == 0, listed.output
    assert "1 record(s)" in listed.output
    assert where in listed.output and headers_of(dead)["dlq.reason"] in listed.output
    assert events in listed.output  # the original topic

    missing = await renovation(platform, "funding", "dlq", "redrive", "funding", "--offset", "0:999")
    assert missing.exit_code == 2 and "0:999" in missing.output

    redriven = await renovation(platform, "funding", "dlq", "redrive", "funding", "--offset", where)
    assert redriven.exit_code == 0, redriven.output
    assert "Re-drove 1 record(s)" in redriven.output
    first, again = await read_topic(bootstrap, events, 2)
    assert again.value == first.value == poison
    assert not any(k.startswith("dlq.") for k, _ in again.headers), "the dlq.* headers are dropped"
    # still poison: the consumer dead-letters it a second time, and the list shows both
    await read_topic(bootstrap, dlq, 2)
    relisted = await renovation(platform, "funding", "dlq", "list", "funding")
    assert "2 record(s)" in relisted.output


async def test_outbox_lists_parked_rows_and_a_redriven_row_is_published_by_the_relay(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    url = platform.database_url("registry")
    event = project_accepted()
    now = datetime.now(UTC)
    await _insert_parked(url, event.to_bytes().decode(), event.id, event.type, now)
    row_id = await scalar(url, "SELECT id FROM outbox_message WHERE event_id = :id", id=event.id)

    parked = await renovation(platform, "registry", "outbox", "parked", "registry")
    assert parked.exit_code == 0, parked.output
    assert "1 parked outbox row(s)" in parked.output
    assert event.type in parked.output and "message too large" in parked.output

    nothing_named = await renovation(platform, "registry", "outbox", "redrive", "registry")
    assert nothing_named.exit_code == 2

    queued = await renovation(platform, "registry", "outbox", "redrive", "registry", "--id", str(row_id))
    assert queued.exit_code == 0, queued.output
    assert "Queued 1 parked row(s)" in queued.output

    async def published() -> bool:  # acknowledged, then deleted
        return await scalar(url, "SELECT count(*) FROM outbox_message WHERE id = :id", id=row_id) == 0

    await eventually(published)
    records = await read_topic(platform.kafka.bootstrap_servers, platform.topic("registry.events"), 1)
    assert event.id in {json.loads(r.value)["id"] for r in records}
    empty = await renovation(platform, "registry", "outbox", "parked", "registry")
    assert "No parked outbox rows" in empty.output


async def _insert_parked(url: str, content: str, event_id: str, event_type: str, now: datetime) -> None:
    """A row as the relay leaves it when it gives up (state parked, the error kept)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO outbox_message (event_id, event_type, topic, partition_key, content, state, attempts,"
                    " last_error, created_at, next_attempt_at)"
                    " VALUES (:event_id, :event_type, 'registry.events', 'k', :content, 'parked', 50,"
                    " 'message too large', :now, :now)"
                ),
                {"event_id": event_id, "event_type": event_type, "content": content, "now": now},
            )
    finally:
        await engine.dispose()


FIGURES = (
    "SELECT programme_code, district_code, day, registered_projects, registered_investment_fen,"
    " accepted_projects, accepted_investment_fen FROM district_day"
    " ORDER BY programme_code, district_code, day"
)
STREET_FIGURES = (
    "SELECT programme_code, district_code, street_office, day, ledger_communities, eligible_communities,"
    " eligible_households, eligible_floor_area_dm2, registered_projects, accepted_projects FROM street_day"
    " ORDER BY programme_code, district_code, street_office, day"
)
PROJECT_STEPS = (
    "SELECT project_id, street_office, registered_on, started_on, completed_on, accepted_on, closed_on"
    " FROM project_street ORDER BY project_id"
)


async def test_replay_rebuilds_reporting_figures_in_a_fresh_database(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    await platform.start("reporting")
    for _ in range(2):
        project = await register_project(registry)
        await accept_project(registry, project["id"])
    live = platform.database_url("reporting")

    async def counted() -> bool:
        rows = await query(live, "SELECT sum(accepted_projects) FROM district_day")
        return rows[0][0] == 2

    await eventually(counted)
    fresh = platform.postgres.create_database(f"{platform.prefix.strip('.')}_reporting_rebuilt")

    refused = await renovation(platform, "registry", "replay", "registry", "--projection", fresh)
    assert refused.exit_code == 2 and "events alone cannot rebuild" in refused.output

    rebuilt = await renovation(platform, "reporting", "replay", "reporting", "--projection", fresh)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "handled into the new database" in rebuilt.output
    assert await query(fresh, FIGURES) == await query(live, FIGURES)
    by_street = await query(live, STREET_FIGURES)
    assert sum(row[-1] for row in by_street) == 2, "accepted projects count per street office too"
    assert await query(fresh, STREET_FIGURES) == by_street
    projects = await query(live, PROJECT_STEPS)
    assert len(projects) == 2 and all(row[5] is not None for row in projects), projects  # accepted_on
    assert await query(fresh, PROJECT_STEPS) == projects
    pending = await scalar(fresh, "SELECT count(*) FROM outbox_message")
    assert pending == 0, "the rebuilt database does not announce history again"

    again = await renovation(platform, "reporting", "replay", "reporting", "--projection", fresh)
    assert again.exit_code == 2 and "already holds" in again.output

    # Switching over: a project accepted after the replay read its ends is in the live database only.
    project = await register_project(registry)
    await accept_project(registry, project["id"])

    async def three(url: str) -> bool:
        return (await query(url, "SELECT sum(accepted_projects) FROM district_day"))[0][0] == 3

    await eventually(lambda: three(live))
    running = await renovation(platform, "reporting", "rewind", "reporting")
    assert running.exit_code == 2 and "stop reporting first" in running.output
    await platform.stop("reporting")
    rewound = await renovation(platform, "reporting", "rewind", "reporting")
    assert rewound.exit_code == 0 and "Rewound" in rewound.output, rewound.output
    await platform.start("reporting", database_url=fresh)  # the group reads its topics again
    await eventually(lambda: three(fresh))
    await asyncio.sleep(2)  # whatever else it still reads must be skipped by the inbox
    totals = (
        "SELECT sum(registered_projects), sum(registered_investment_fen), sum(accepted_projects),"
        " sum(accepted_investment_fen) FROM district_day"
    )
    assert await query(fresh, totals) == await query(live, totals)
    assert await query(fresh, PROJECT_STEPS) == await query(live, PROJECT_STEPS)

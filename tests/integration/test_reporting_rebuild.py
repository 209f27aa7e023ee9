"""The projection rebuild (`shared.bus.rebuild`, behind `renovation replay`) on real Kafka and
PostgreSQL: two worker processes, small chunks and batches so a run crosses many boundaries, a
relay's second send of some events, and one record that is not an envelope."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from shared.bus.kafka import ensure_topics
from shared.bus.rebuild import RebuildJob, end_offsets, rebuild
from shared.contracts.dead_letter import MALFORMED
from shared.contracts.envelope import CloudEvent
from shared.contracts.topics import FUNDING_EVENTS, REGISTRY_EVENTS, dead_letter_topic
from shared.db import run_migrations
from tests.support.db import query, scalar
from tests.support.events import project_accepted, project_registered
from tests.support.kafka_io import dead_letter_reasons, produce_raw

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "reporting" / "migrations"
DISTRICTS = ("zz-jinshui", "zz-erqi")
PROJECTS = 60


async def _publish(bootstrap: str, topic: str, envelopes: list[CloudEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        sends = [
            await producer.send(topic, value=e.to_bytes(), key=(e.partitionkey or e.id).encode())
            for e in envelopes
        ]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def test_a_rebuild_in_two_processes_counts_each_event_once_and_dead_letters_what_is_not_one(
    platform: Any,
) -> None:
    bootstrap = platform.kafka.bootstrap_servers
    registry, funding = platform.topic(REGISTRY_EVENTS), platform.topic(FUNDING_EVENTS)
    dead_letters = platform.topic(dead_letter_topic("reporting"))
    await ensure_topics(bootstrap, [registry, funding, dead_letters], 3)
    envelopes = []
    for i in range(PROJECTS):
        project_id, district = uuid.uuid4(), DISTRICTS[i % 2]
        envelopes.append(CloudEvent.wrap(project_registered(project_id, district_code=district)))
        envelopes.append(project_accepted(project_id=project_id, district_code=district))
    # an id no relay of ours writes, but CloudEvents allows: the inbox's COPY must escape it
    envelopes[0] = CloudEvent.wrap(
        project_registered(envelopes[1].data["project_id"]), event_id="odd\\id\twith\nends"
    )
    again = envelopes[1::14]  # a relay that sent these twice: same ids, later offsets
    await _publish(bootstrap, registry, envelopes + again)
    await produce_raw(bootstrap, registry, [b'{"not": "an envelope"}'], key=b"somewhere")
    url = platform.database_url("reporting_rebuild")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)

    spans = await end_offsets(bootstrap, [registry, funding])
    assert sum(spans.values()) == len(envelopes) + len(again) + 1
    job = RebuildJob(
        service="reporting",
        subscriptions="services.reporting.handlers",
        database_url=url,
        bootstrap_servers=bootstrap,
        group="reporting.rebuild-test",
        dead_letter_topic=dead_letters,
        batch_size=7,
        chunk_events=50,
    )
    seen: list[int] = []
    read = await rebuild(job, spans, workers=2, progress=seen.append)

    assert read == sum(spans.values())
    assert seen and seen[-1] == read and seen == sorted(seen)
    rows = await query(
        url,
        "SELECT district_code, sum(registered_projects), sum(accepted_projects) FROM district_day"
        " GROUP BY district_code ORDER BY district_code",
    )
    half = PROJECTS // 2
    assert [tuple(r) for r in rows] == [("zz-erqi", half, half), ("zz-jinshui", half, half)]
    assert await scalar(url, "SELECT count(*) FROM inbox_message") == len(envelopes)
    assert (
        await scalar(
            url,
            "SELECT count(*) FROM inbox_message WHERE event_id = 'odd\\id' || chr(9) || 'with' || chr(10) || 'ends'",
        )
        == 1
    )
    assert await scalar(url, "SELECT count(*) FROM project_street") == PROJECTS
    assert await dead_letter_reasons(bootstrap, dead_letters) == [MALFORMED]

"""The services' own flow through a PostgreSQL outage (#12's fault suite, on the real handlers):
ProjectAccepted → the award proposed by funding → Finance approves over HTTP → SubsidyApproved →
reporting's figures and a signed webhook, while the database all three services share is stopped
like a crash (`immediate`) and restarted. Afterwards: every award once, every figure exact, one
webhook id per approval, nothing dead-lettered.

The bus's own fault suite (`test_cluster_faults.py`) drives relay and consumer with a flow of its
own on three brokers; this one runs the platform's handlers, HTTP commands and deliveries on the
suite's broker, with a PostgreSQL server of its own so stopping it touches no other test.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.postgres.launcher import PostgresCluster, PostgresLauncherError, find_bindir
from shared.contracts.topics import REGISTRY_EVENTS, dead_letter_topic
from tests.support import tokens
from tests.support.events import project_accepted
from tests.support.kafka_io import produce_raw, read_topic
from tests.support.servers import eventually, serve
from tests.support.webhook_receiver import WebhookReceiver

APPROVED = "funding.subsidy.approved.v1"
PROJECTS = int(os.environ.get("FLOW_OUTAGE_PROJECTS", "40"))
DB_DOWN_S = float(os.environ.get("FLOW_OUTAGE_DB_DOWN_S", "12"))
AWARD_FEN = 200_000_00  # 40% of each project's 500,000.00 yuan (Zhengzhou 2019 三(二))


async def _approve(finance: httpx.AsyncClient, award_id: str) -> None:
    """Finance approves one award under one Idempotency-Key, retrying while the database is away."""
    key = f"approve-{award_id}"
    for _ in range(200):
        try:
            response = await finance.post(f"/awards/{award_id}/approval", headers={"Idempotency-Key": key})
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code == 200:
            assert response.json()["status"] == "approved"
            return
        assert response is None or response.status_code in (503, 429), response.text
        await asyncio.sleep(0.25)
    raise AssertionError(f"award {award_id} was never approved")


REFUSED: list[int] = []
"""Status codes (0: no answer) of the reads that failed during the run: proof the outage was felt."""


async def _get_json(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    try:
        response = await client.get(path, params=params)
    except httpx.HTTPError:
        REFUSED.append(0)
        return None
    if response.status_code != 200:
        REFUSED.append(response.status_code)
        return None
    return response.json()


@pytest.mark.timeout(600)
async def test_the_award_flow_through_a_postgresql_outage_loses_nothing_and_doubles_nothing(
    platform,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    try:
        find_bindir()
    except PostgresLauncherError:
        pytest.skip("no PostgreSQL binaries to start a server of its own (an external DATABASE_URL)")
    # durable, as in production: a crash must not lose commits whose offsets were committed
    server = PostgresCluster(tmp_path / "pg", durable=True).start()
    receiver = WebhookReceiver()
    hook = await serve(receiver.app())
    try:
        names = ("funding", "reporting", "notification")
        urls = {name: str(server.create_database(f"{platform.prefix.strip('.')}_{name}")) for name in names}
        for name in names:
            await platform.start(name, database_url=urls[name])
        finance = platform.client("funding", tokens.finance())
        office = platform.client("reporting", tokens.office())
        created = await platform.client("notification", tokens.finance()).post(
            "/subscriptions", json={"event_types": [APPROVED], "endpoint_url": f"{hook.url}/hook"}
        )
        assert created.status_code == 201, created.text

        events = [project_accepted(project_id=uuid.uuid4()) for _ in range(PROJECTS)]
        topic = platform.topic(REGISTRY_EVENTS)
        half = PROJECTS // 2

        async def publish(batch: list[Any]) -> None:
            for event in batch:
                await produce_raw(
                    platform.kafka.bootstrap_servers,
                    topic,
                    [event.to_bytes()],
                    key=event.data["project_id"].encode(),
                )

        await publish(events[:half])

        async def outage() -> None:
            await asyncio.to_thread(server.stop, "immediate")
            await publish(events[half:])  # accepted while the database is down
            await asyncio.sleep(DB_DOWN_S)
            await asyncio.to_thread(server.start)

        async def approve_as_proposed() -> None:
            approved: set[str] = set()
            while len(approved) < PROJECTS:
                awards = await _get_json(finance, "/awards") or []
                for award in awards:
                    if award["id"] not in approved and award["status"] in ("proposed", "approved"):
                        await _approve(finance, award["id"])
                        approved.add(award["id"])
                await asyncio.sleep(0.3)

        REFUSED.clear()
        await asyncio.wait_for(asyncio.gather(outage(), approve_as_proposed()), timeout=240)
        # the outage was felt, and answered as one: 503 with Retry-After, never a 500
        assert REFUSED and set(REFUSED) <= {0, 503}, REFUSED

        awards = await _get_json(finance, "/awards")
        assert sorted(a["project_id"] for a in awards) == sorted(e.data["project_id"] for e in events)
        assert {a["status"] for a in awards} == {"approved"}

        async def counted():  # type: ignore[no-untyped-def]
            row = await _get_json(office, "/rollups/districts/zz-jinshui")
            done = row and row["accepted_projects"] == PROJECTS and row["approved_awards"] == PROJECTS
            return row if done else None

        row = await eventually(counted, timeout_s=120)
        assert row["approved_award_fen"] == PROJECTS * AWARD_FEN

        def delivered() -> set[str]:
            return {h.headers["webhook-id"] for h in receiver.received}

        await eventually(lambda: _at_least(delivered, PROJECTS), timeout_s=120)
        approvals = {h.headers["webhook-id"] for h in receiver.received}
        assert len(approvals) == PROJECTS  # at least once each, told apart by webhook-id: none extra

        for name in names:
            with pytest.raises(AssertionError, match="got 0"):  # nothing dead-lettered
                await read_topic(
                    platform.kafka.bootstrap_servers, platform.topic(dead_letter_topic(name)), 1, timeout_s=2
                )
    finally:
        await hook.stop()
        await platform.stop_all()
        server.stop()
        server.cleanup()


async def _at_least(found: Any, count: int) -> bool:
    return len(found()) >= count

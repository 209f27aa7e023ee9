"""Faults the spine must survive, each against the real broker and database."""

from __future__ import annotations

import asyncio
import json

import pytest

from shared.contracts.topics import REGISTRY_EVENTS, dead_letter_topic
from tests.support.db import query, scalar
from tests.support.events import project_accepted
from tests.support.flows import accept_project, approve_award, register_project
from tests.support.kafka_io import headers_of, produce_raw, read_topic, records_so_far
from tests.support.servers import eventually


async def _awards(funding, project_id: str) -> list:  # type: ignore[no-untyped-def]
    return (await funding.get("/awards", params={"project_id": project_id})).json()


class TestMalformedMessage:
    async def test_is_dead_lettered_with_reason_and_the_consumer_carries_on(self, platform) -> None:  # type: ignore[no-untyped-def]
        funding = await platform.start("funding")
        good = project_accepted()
        key = str(good.data["project_id"]).encode()
        await produce_raw(
            platform.kafka.bootstrap_servers,
            platform.topic(REGISTRY_EVENTS),
            [b"{not json at all", b'{"specversion": "1.0", "id": "x"}', good.to_bytes()],
            key=key,
        )

        (award,) = await eventually(lambda: _awards(funding, good.data["project_id"]))
        assert award["amount_fen"] == 200_000_00

        dead = await read_topic(
            platform.kafka.bootstrap_servers, platform.topic(dead_letter_topic("funding")), 2
        )
        assert [r.value for r in dead] == [b"{not json at all", b'{"specversion": "1.0", "id": "x"}']
        headers = headers_of(dead[0])
        assert headers["dlq.reason"] == "malformed"
        assert headers["dlq.original.topic"] == platform.topic(REGISTRY_EVENTS)
        assert headers["dlq.consumer.group"] == f"{platform.prefix}funding"
        assert headers["dlq.error.class"] == "ValidationError"


class TestDuplicateDelivery:
    async def test_the_same_event_twice_has_one_effect(self, platform) -> None:  # type: ignore[no-untyped-def]
        funding = await platform.start("funding")
        reporting = await platform.start("reporting")
        twice = project_accepted()
        after = project_accepted()
        # the later, distinct event on the same key (same partition) proves the duplicate was consumed
        key = str(twice.data["project_id"]).encode()
        await produce_raw(
            platform.kafka.bootstrap_servers,
            platform.topic(REGISTRY_EVENTS),
            [twice.to_bytes(), twice.to_bytes(), after.to_bytes()],
            key=key,
        )

        async def both_counted():  # type: ignore[no-untyped-def]
            response = await reporting.get("/rollups/districts/zz-jinshui")
            return response.status_code == 200 and response.json()["accepted_projects"] >= 2

        await eventually(both_counted)
        await eventually(lambda: _awards(funding, after.data["project_id"]))
        await approve_award(funding, twice.data["project_id"])
        await approve_award(funding, after.data["project_id"])

        async def both_awards_summed():  # type: ignore[no-untyped-def]
            body = (await reporting.get("/rollups/districts/zz-jinshui")).json()
            return body if body["approved_award_fen"] == 2 * 200_000_00 else None

        rollup = await eventually(both_awards_summed)
        # Reporting adds one per ProjectAccepted it handles and has no unique key to fall back on:
        # only its inbox keeps the second copy from counting (a unique award per project would
        # hide a broken inbox in funding, so funding's figures prove nothing here).
        assert rollup["accepted_projects"] == 2


class TestCrashBetweenCommitAndPublish:
    async def test_the_event_is_published_when_the_service_restarts(self, platform) -> None:  # type: ignore[no-untyped-def]
        funding = await platform.start("funding")
        registry = await platform.start("registry", relay_enabled=False)
        project = await register_project(registry)
        await accept_project(registry, project["id"])
        await platform.stop("registry")  # committed, never published

        pending_types = [
            row[0]
            for row in await query(
                platform.database_url("registry"),
                "SELECT event_type FROM outbox_message WHERE state = 'pending' ORDER BY id",
            )
        ]
        pending = len(pending_types)
        # every step of the walk to acceptance (after the community's own registration event),
        # the project's registration first and its acceptance last
        project_types = [t for t in pending_types if t.startswith("registry.project.")]
        assert pending_types[0] == "registry.community.registered.v1"
        assert project_types[0] == "registry.project.registered.v1"
        assert pending_types[-1] == "registry.project.accepted.v1"
        # nothing reached the broker: the registry's topic is still empty
        with pytest.raises(AssertionError, match="got 0"):
            await read_topic(
                platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), 1, timeout_s=2.0
            )

        await platform.start("registry")
        (award,) = await eventually(lambda: _awards(funding, project["id"]))
        assert award["basis_fen"] == project["investment_fen"]

        # every pending row went out once, in order, and was deleted once acknowledged
        assert await platform.announced("registry") == pending
        records = await records_so_far(platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS))
        types = [json.loads(r.value)["type"] for r in records]
        assert [t for t in types if t.startswith("registry.project.")] == project_types
        assert await scalar(platform.database_url("registry"), "SELECT count(*) FROM outbox_message") == 0


class TestBrokerRestart:
    async def test_a_broker_restarted_mid_flow_loses_no_event(self, platform) -> None:  # type: ignore[no-untyped-def]
        if not getattr(platform.kafka, "can_restart", False):
            pytest.skip("this Kafka cannot be restarted from the test (external cluster)")
        registry = await platform.start("registry")
        funding = await platform.start("funding")
        reporting = await platform.start("reporting")

        before = [await register_project(registry) for _ in range(3)]
        for project in before:
            await accept_project(registry, project["id"])

        restart = asyncio.create_task(asyncio.to_thread(platform.kafka.restart))
        during = [await register_project(registry) for _ in range(3)]
        for project in during:
            await accept_project(registry, project["id"])
        await restart
        after = [await register_project(registry) for _ in range(2)]
        for project in after:
            await accept_project(registry, project["id"])

        everyone = before + during + after

        async def all_awarded():  # type: ignore[no-untyped-def]
            awards = (await funding.get("/awards")).json()
            return len(awards) == len(everyone) and awards

        awards = await eventually(all_awarded, timeout_s=120)
        assert {a["project_id"] for a in awards} == {p["id"] for p in everyone}

        async def all_counted():  # type: ignore[no-untyped-def]
            body = (await reporting.get("/rollups/districts/zz-jinshui")).json()
            return body.get("accepted_projects") == len(everyone) and body

        rollup = await eventually(all_counted, timeout_s=120)
        assert rollup["registered_projects"] == len(everyone)
        # 40% of each project's investment, half-up to the fen
        assert {a["project_id"]: a["amount_fen"] for a in awards} == {
            p["id"]: (p["investment_fen"] * 4 + 5) // 10 for p in everyone
        }

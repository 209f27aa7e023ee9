"""The rebuild's chunks (`shared.bus.rebuild._Rebuild`) over reporting's projections on SQLite:
copies of an event counted once across chunks and partitions, a chunk that fails handled again
batch by batch (a malformed record and a poison event dead-lettered once each, the rest counted
once), progress that never goes back. The real broker, PostgreSQL's COPY and worker processes
are in tests/integration/test_reporting_rebuild.py."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import TopicPartition

from services.reporting.handlers import SUBSCRIPTIONS
from shared.bus.rebuild import RebuildJob, _Rebuild
from shared.db import UnitOfWork
from tests.handlers.reporting import replay_batches as scenario
from tests.handlers.reporting.events import ERQI, JINSHUI, at, registered, shanghai

P0, P1 = TopicPartition("registry.events", 0), TopicPartition("registry.events", 1)


class FakeReader:
    """Partitions of prepared records, read by position the way an assigned aiokafka consumer is."""

    def __init__(self, logs: dict[TopicPartition, list[Any]]) -> None:
        self.logs = logs
        self.positions: dict[TopicPartition, int] = {}
        self.paused: set[TopicPartition] = set()

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.positions = dict.fromkeys(partitions, 0)

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        for tp in partitions:
            self.positions[tp] = 0

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.positions[tp] = offset

    async def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]

    def pause(self, *partitions: TopicPartition) -> None:
        self.paused |= set(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self.paused -= set(partitions)

    def assignment(self) -> set[TopicPartition]:
        return set(self.positions)

    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int = 500
    ) -> dict[TopicPartition, list[Any]]:
        for tp in partitions or sorted(self.positions):
            start = self.positions[tp]
            if tp in self.paused or start >= len(self.logs[tp]):
                continue
            records = self.logs[tp][start : start + max_records]
            self.positions[tp] = start + len(records)
            return {tp: records}  # one partition per call, as aiokafka fills a getmany
        await asyncio.sleep(timeout_ms / 1000)  # nothing buffered: aiokafka waits, then answers empty
        return {}


def _job(**overrides: Any) -> RebuildJob:
    fields: dict[str, Any] = {
        "service": "reporting",
        "subscriptions": "services.reporting.handlers",
        "database_url": "sqlite://",  # unused: the unit of work is the test's
        "bootstrap_servers": "unused:9092",
        "group": scenario.GROUP,
        "dead_letter_topic": "reporting.dlq",
        "batch_size": 2,
        "chunk_events": 3,
        **overrides,
    }
    return RebuildJob(**fields)


async def _rebuild(
    unit_of_work: UnitOfWork, logs: dict[TopicPartition, list[Any]], chunk_events: int
) -> tuple[int, list[int], Any]:
    reader = FakeReader(logs)
    handler, producer = scenario.consumer(unit_of_work, reader)
    seen: list[int] = []
    spans = {tp: len(records) for tp, records in logs.items()}
    job = _job(chunk_events=chunk_events)
    run = _Rebuild(job, reader, handler, unit_of_work, SUBSCRIPTIONS, spans, seen.append).run()  # type: ignore[arg-type]
    read = await asyncio.wait_for(run, timeout=20)
    return read, seen, producer


def _registered(n: int, district: str, first_fen: int) -> list[Any]:
    return [at(registered(district, investment_fen=first_fen + i), shanghai(2026, 11, 20)) for i in range(n)]


async def test_copies_across_chunks_and_partitions_count_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    a, b, c = _registered(3, JINSHUI, 1)
    d, e = _registered(2, ERQI, 10)
    record = scenario.record
    logs = {  # a copy in the same batch, one in the next chunk; chunks of 3 records end after each round
        P0: [record(a, 0), record(a, 1), record(b, 2), record(c, 3), record(b, 4)],
        P1: [record(d, 0, 1), record(e, 1, 1), record(d, 2, 1)],
    }
    read, seen, producer = await _rebuild(harness.unit_of_work, logs, chunk_events=3)
    assert read == 8
    assert seen == sorted(seen) and seen[-1] == 8
    assert await scenario.registered_figures(harness.unit_of_work) == {
        JINSHUI: (3, 1 + 2 + 3),
        ERQI: (2, 10 + 11),
    }
    assert await scenario.inbox_rows(harness.unit_of_work) == 5
    assert producer.sent == []


async def test_a_chunk_that_fails_is_handled_again_batch_by_batch_and_dead_letters_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("reporting", SUBSCRIPTIONS)
    good = _registered(5, JINSHUI, 1)
    poison = at(registered(investment_fen=2**63 - 1), shanghai(2026, 11, 20))  # above the money ceiling
    malformed = b'{"specversion": "1.0", "id": "x"}'
    record = scenario.record
    logs = {  # one chunk: P1 reaches its end in the first round, P0's poison fails the second
        P0: [
            record(good[0], 0),
            record(good[1], 1),
            record(good[2], 2),
            record(poison, 3),
            record(malformed, 4),
            record(good[0], 5),
        ],
        P1: [record(good[3], 0, 1), record(good[4], 1, 1)],
    }
    read, seen, producer = await _rebuild(harness.unit_of_work, logs, chunk_events=100)
    assert read == 8
    assert seen == sorted(seen) and seen[-1] == 8
    assert await scenario.registered_figures(harness.unit_of_work) == {JINSHUI: (5, 1 + 2 + 3 + 4 + 5)}
    assert await scenario.inbox_rows(harness.unit_of_work) == 5  # the poison event left no row
    reasons = sorted((value, headers["dlq.reason"].decode()) for _, value, headers in producer.sent)
    assert reasons == sorted([(malformed, "malformed"), (poison.to_bytes(), "permanent")])

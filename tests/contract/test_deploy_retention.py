"""Retention of the bus's rows (issue 12, item 11): old inbox rows go, the inbox is never purged
inside the replay window, and the outbox is not purged at all (the relay deletes what it
published; pending and parked rows are work)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from shared.bus.inbox import InboxMessage
from shared.bus.outbox import PARKED, PENDING, OutboxMessage
from shared.clock import FixedClock
from shared.db import create_engine, create_sessions, run_migrations
from shared.db.retention import purge_inbox
from shared.settings import ServiceSettings
from shared.web.housekeeping import purge_once, retention_worker
from tests.support.servers import eventually

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "reporting" / "migrations"
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


async def _sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'retention.db'}"
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine = create_engine(url)
    return engine, create_sessions(engine)


def _outbox(n: int, state: str, age: timedelta) -> OutboxMessage:
    at = NOW - age
    return OutboxMessage(
        event_id=f"e{n}",
        event_type="registry.project.registered.v1",
        topic="registry.events",
        partition_key="p",
        content="{}",
        state=state,
        created_at=at,
        next_attempt_at=at,
    )


async def test_inbox_rows_older_than_the_retention_are_purged(tmp_path: Path) -> None:
    engine, sessions = await _sessions(tmp_path)
    async with sessions() as session, session.begin():
        for n, age in enumerate((timedelta(days=40), timedelta(days=31), timedelta(days=3))):
            session.add(
                InboxMessage(consumer_group="g", event_id=f"e{n}", event_type="t", handled_at=NOW - age)
            )
    purged = await purge_inbox(sessions, now=NOW, older_than=timedelta(days=30), topic_retention=WEEK)
    assert purged == 2
    async with sessions() as session:
        count = (await session.exec(select(func.count()).select_from(InboxMessage))).one()  # type: ignore[call-overload]
    assert count[0] == 1
    await engine.dispose()


async def test_the_inbox_is_never_purged_inside_the_topic_replay_window(tmp_path: Path) -> None:
    engine, sessions = await _sessions(tmp_path)
    with pytest.raises(ValueError, match="applied twice"):
        await purge_inbox(sessions, now=NOW, older_than=WEEK, topic_retention=WEEK)
    await engine.dispose()


def _runtime(sessions, **settings: object):  # type: ignore[no-untyped-def]
    """What the retention worker reads of a service's runtime: settings, sessions, clock."""
    return SimpleNamespace(
        settings=ServiceSettings(service_name="reporting", environment="test", **settings),
        sessions=sessions,
        clock=FixedClock(NOW),
    )


async def _seed(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        session.add_all([_outbox(1, PENDING, timedelta(days=40)), _outbox(2, PARKED, timedelta(days=40))])
        for n, days in enumerate((31, 29)):
            session.add(
                InboxMessage(
                    consumer_group="g",
                    event_id=f"i{n}",
                    event_type="t",
                    handled_at=NOW - timedelta(days=days),
                )
            )


async def test_each_pass_purges_by_the_services_own_settings(tmp_path: Path) -> None:
    """Default: inbox rows after 30 days (the topics keep 7); outbox rows stay, however old."""
    engine, sessions = await _sessions(tmp_path)
    await _seed(sessions)
    assert await purge_once(_runtime(sessions)) == 1
    assert await purge_once(_runtime(sessions)) == 0
    assert await _outbox_ids(sessions) == ["e1", "e2"]
    await engine.dispose()


async def test_longer_settings_keep_more(tmp_path: Path) -> None:
    engine, sessions = await _sessions(tmp_path)
    await _seed(sessions)
    assert await purge_once(_runtime(sessions, inbox_retention_days=32)) == 0
    await engine.dispose()


async def test_the_worker_purges_at_start_and_then_on_its_interval(tmp_path: Path) -> None:
    engine, sessions = await _sessions(tmp_path)
    await _seed(sessions)
    runtime = _runtime(sessions, retention_interval_s=0.05)

    async def inbox_ids() -> list[str]:
        async with sessions() as session:
            rows = (await session.exec(select(InboxMessage.event_id))).all()  # type: ignore[call-overload]
        return sorted(row[0] for row in rows)

    worker = asyncio.create_task(retention_worker(runtime))
    try:
        assert await eventually(lambda: _equals(inbox_ids(), ["i1"]), timeout_s=10)  # the first pass
        async with sessions() as session, session.begin():  # a row that is due by the next pass
            session.add(
                InboxMessage(consumer_group="g", event_id="i2", event_type="t", handled_at=NOW - WEEK * 5)
            )
        assert await eventually(lambda: _equals(inbox_ids(), ["i1"]), timeout_s=10)  # a later pass
        assert not worker.done()
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
        await engine.dispose()


async def _outbox_ids(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        rows = (await session.exec(select(OutboxMessage.event_id))).all()  # type: ignore[call-overload]
    return sorted(row[0] for row in rows)


async def _equals(found, expected: list[str]) -> bool:  # type: ignore[no-untyped-def]
    return await found == expected


def test_a_service_refuses_an_inbox_that_would_not_outlive_its_topics() -> None:
    with pytest.raises(ValueError, match="must exceed the topics' retention"):
        ServiceSettings(service_name="reporting", environment="test", inbox_retention_days=7)
    with pytest.raises(ValueError, match="must exceed the topics' retention"):
        ServiceSettings(
            service_name="reporting",
            environment="test",
            inbox_retention_days=3,
            kafka_topic_retention_ms=3 * 86_400_000,
        )
    assert (
        ServiceSettings(
            service_name="reporting", environment="test", inbox_retention_days=8
        ).inbox_retention_days
        == 8
    )

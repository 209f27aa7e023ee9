"""Retention of outbox and inbox rows (issue 12, item 11): old published outbox rows and old inbox
rows go, pending and parked rows stay, and the inbox is never purged inside the replay window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shared.bus.inbox import InboxMessage
from shared.bus.outbox import PARKED, PENDING, PUBLISHED, OutboxMessage
from shared.db import create_engine, create_sessions, run_migrations
from shared.db.retention import purge_inbox, purge_published_outbox

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
        published_at=at if state == PUBLISHED else None,
    )


async def test_only_published_outbox_rows_older_than_the_retention_are_purged(tmp_path: Path) -> None:
    engine, sessions = await _sessions(tmp_path)
    async with sessions() as session, session.begin():
        session.add_all(
            [
                _outbox(1, PUBLISHED, timedelta(days=30)),
                _outbox(2, PUBLISHED, timedelta(days=8)),
                _outbox(3, PUBLISHED, timedelta(days=1)),
                _outbox(4, PENDING, timedelta(days=30)),
                _outbox(5, PARKED, timedelta(days=30)),
            ]
        )
    assert await purge_published_outbox(sessions, now=NOW, older_than=WEEK, batch=1) == 2
    async with sessions() as session:
        left = sorted((await session.exec(select(OutboxMessage.event_id))).all())  # type: ignore[call-overload]
    assert [row[0] for row in left] == ["e3", "e4", "e5"]
    await engine.dispose()


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

"""Idempotency keys in the database (`shared.db.idempotency`), on a real SQLite file and a real
PostgreSQL server: a key is claimed once, its stored response comes back while it lives, and an
expired key is claimed afresh by the same single statement that claims a new one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from shared.db.idempotency import KEY_TTL, StoredResponse, claim_key, store_response

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "registry" / "migrations"
T0 = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
CALLER = "power:utility@power"


@pytest.fixture(params=["sqlite", "postgresql"])
async def unit_of_work(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'keys.db'}"
    else:
        postgres = request.getfixturevalue("postgres")
        url = await asyncio.to_thread(postgres.create_database, f"keys_{uuid.uuid4().hex[:12]}")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine: AsyncEngine = create_engine(url)
    try:
        yield UnitOfWork(create_sessions(engine), serialise=engine.dialect.name == "sqlite")
    finally:
        await engine.dispose()


async def _claim(
    unit_of_work: UnitOfWork, key: str, digest: str, now: datetime, *, caller: str = CALLER
) -> StoredResponse | None:
    async with unit_of_work() as session:
        return await claim_key(session, caller=caller, key=key, request_hash=digest, now=now)


async def _use(unit_of_work: UnitOfWork, key: str, digest: str, now: datetime, body: str) -> None:
    """A command's transaction: claim the key, then store what it answered."""
    async with unit_of_work() as session:
        assert await claim_key(session, caller=CALLER, key=key, request_hash=digest, now=now) is None
        await store_response(session, caller=CALLER, key=key, status_code=201, body=body)


async def test_a_new_key_is_claimed_and_then_answers_with_its_stored_response(
    unit_of_work: UnitOfWork,
) -> None:
    await _use(unit_of_work, "k-1", "a" * 64, T0, '{"id": 1}')
    again = await _claim(unit_of_work, "k-1", "a" * 64, T0 + timedelta(minutes=5))
    assert again == StoredResponse("a" * 64, 201, '{"id": 1}')


async def test_a_key_still_in_use_is_not_taken_by_another_request(unit_of_work: UnitOfWork) -> None:
    await _use(unit_of_work, "k-2", "a" * 64, T0, '{"id": 2}')
    other = await _claim(unit_of_work, "k-2", "b" * 64, T0 + KEY_TTL - timedelta(seconds=1))
    assert other == StoredResponse("a" * 64, 201, '{"id": 2}'), "the first use's digest, to refuse"


async def test_an_expired_key_is_claimed_afresh_and_forgets_its_old_response(
    unit_of_work: UnitOfWork,
) -> None:
    await _use(unit_of_work, "k-3", "a" * 64, T0, '{"id": 3}')
    later = T0 + KEY_TTL
    assert await _claim(unit_of_work, "k-3", "b" * 64, later) is None, "expired at T0 + TTL: claimed"
    seen = await _claim(unit_of_work, "k-3", "b" * 64, later + timedelta(seconds=1))
    assert seen == StoredResponse("b" * 64, 0, ""), "the new use's digest, and no old response"


async def test_a_rolled_back_claim_leaves_the_key_free(unit_of_work: UnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        async with unit_of_work() as session:
            await claim_key(session, caller=CALLER, key="k-4", request_hash="a" * 64, now=T0)
            raise RuntimeError("the command failed")
    assert await _claim(unit_of_work, "k-4", "b" * 64, T0) is None


async def test_the_same_key_of_two_callers_is_two_keys(unit_of_work: UnitOfWork) -> None:
    await _use(unit_of_work, "k-5", "a" * 64, T0, '{"id": 5}')
    assert await _claim(unit_of_work, "k-5", "c" * 64, T0, caller="water:utility@water") is None

"""Outbox rows and audit entries are staged and inserted when their transaction commits
(`shared.db.staged_rows`), on a real SQLite file: in the order they were staged, with the values
the ORM objects used to carry, and never after a rollback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from shared import audit
from shared.access import OrganisationKind, Principal
from shared.audit import AuditEntry
from shared.bus.outbox import PENDING, OutboxMessage, add_many_to_outbox, add_to_outbox, has_new_events
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.support.events import project_registered

TABLES = [OutboxMessage.__table__, AuditEntry.__table__]  # type: ignore[attr-defined]
ACTOR = Principal("clerk@jinshui", "zz-jinshui", OrganisationKind.DISTRICT, district_code="zz-jinshui")


@pytest.fixture
async def unit_of_work(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    engine = create_engine(f"sqlite:///{tmp_path / 'staged.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(OutboxMessage.metadata.create_all, tables=TABLES)
    yield UnitOfWork(create_sessions(engine), serialise=True)
    await engine.dispose()


async def outbox(unit_of_work: UnitOfWork) -> list[OutboxMessage]:
    async with unit_of_work() as session:
        found = await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))  # type: ignore[call-overload,arg-type]
        return [row[0] for row in found.all()]


async def trail(unit_of_work: UnitOfWork) -> list[AuditEntry]:
    async with unit_of_work() as session:
        found = await session.exec(select(AuditEntry).order_by(AuditEntry.id))  # type: ignore[call-overload,arg-type]
        return [row[0] for row in found.all()]


async def test_staged_rows_go_in_at_commit_in_the_order_they_were_staged(unit_of_work: UnitOfWork) -> None:
    payloads = [project_registered(name=name) for name in ("一", "二", "三")]
    async with unit_of_work() as session:
        for payload in payloads:
            add_to_outbox(session, payload)
            audit.record(session, ACTOR, "project.registered", "project", payload.project_id, after={"n": 1})
        found = await session.exec(select(OutboxMessage.id))  # type: ignore[call-overload,arg-type]
        assert found.all() == [], "staged, not yet inserted"
        woken = has_new_events(session)

    rows, entries = await outbox(unit_of_work), await trail(unit_of_work)
    assert woken
    assert [row.partition_key for row in rows] == [str(p.project_id) for p in payloads]
    assert [(row.state, row.attempts) for row in rows] == [(PENDING, 0)] * 3
    assert all(row.created_at == row.next_attempt_at and row.created_at.tzinfo for row in rows)
    assert [json.loads(row.content)["data"]["name"] for row in rows] == ["一", "二", "三"]
    assert [entry.record_id for entry in entries] == [str(p.project_id) for p in payloads]
    first = entries[0]
    assert (first.actor_subject, first.actor_org, first.actor_kind, first.action) == (
        "clerk@jinshui",
        "zz-jinshui",
        "district",
        "project.registered",
    )
    assert json.loads(first.after or "") == {"n": 1} and first.before is None


async def test_a_rolled_back_transaction_inserts_nothing_it_staged(unit_of_work: UnitOfWork) -> None:
    with pytest.raises(RuntimeError):
        async with unit_of_work() as session:
            add_to_outbox(session, project_registered(name="撤回"))
            audit.record(session, ACTOR, "project.registered", "project", "p-1")
            raise RuntimeError("the command failed")
    async with unit_of_work() as session:
        add_to_outbox(session, project_registered(name="保留"))

    rows = await outbox(unit_of_work)
    assert [json.loads(row.content)["data"]["name"] for row in rows] == ["保留"]
    assert await trail(unit_of_work) == []


async def test_a_session_committed_twice_inserts_each_row_once(unit_of_work: UnitOfWork) -> None:
    async with unit_of_work.sessions() as session:
        add_to_outbox(session, project_registered(name="一"))
        await session.commit()
        add_to_outbox(session, project_registered(name="二"))
        await session.commit()
    assert [json.loads(row.content)["data"]["name"] for row in await outbox(unit_of_work)] == ["一", "二"]


async def test_rows_staged_before_a_bulk_insert_keep_their_place(unit_of_work: UnitOfWork) -> None:
    async with unit_of_work() as session:
        add_to_outbox(session, project_registered(name="一"))
        await add_many_to_outbox(session, [project_registered(name="二"), project_registered(name="三")])
        add_to_outbox(session, project_registered(name="四"))

    names = [json.loads(row.content)["data"]["name"] for row in await outbox(unit_of_work)]
    assert names == ["一", "二", "三", "四"]


async def test_a_rolled_back_savepoint_takes_only_the_rows_staged_inside_it(unit_of_work: UnitOfWork) -> None:
    async with unit_of_work() as session:
        add_to_outbox(session, project_registered(name="一"))
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                add_to_outbox(session, project_registered(name="撤回"))
                async with session.begin_nested():
                    add_to_outbox(session, project_registered(name="也撤回"))
                raise RuntimeError("the inner step failed")
        async with session.begin_nested():
            add_to_outbox(session, project_registered(name="二"))
        found = await session.exec(select(OutboxMessage.id))  # type: ignore[call-overload,arg-type]
        assert found.all() == [], "a savepoint's release does not insert them"
        add_to_outbox(session, project_registered(name="三"))

    names = [json.loads(row.content)["data"]["name"] for row in await outbox(unit_of_work)]
    assert names == ["一", "二", "三"]

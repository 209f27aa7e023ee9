"""`add_many_to_outbox` stages the rows `add_to_outbox` would, in the caller's transaction: the
same envelope (type, key, district, data), pending, and the relay is woken; a rollback keeps none."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from shared.bus.outbox import PENDING, OutboxMessage, add_many_to_outbox, add_to_outbox, has_new_events
from shared.contracts.registry import ProjectRegistered
from shared.db import UnitOfWork, create_engine, create_sessions


@pytest.fixture
async def unit_of_work(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(OutboxMessage.metadata.create_all, tables=[OutboxMessage.__table__])  # type: ignore[attr-defined]
    yield UnitOfWork(create_sessions(engine))
    await engine.dispose()


def registered(name: str) -> ProjectRegistered:
    return ProjectRegistered(
        project_id=uuid.uuid4(),
        community_id=uuid.uuid4(),
        district_code="zz-jinshui",
        programme_code="zhengzhou-2019",
        name=name,
        investment_fen=100,
    )


async def rows(unit_of_work: UnitOfWork) -> list[OutboxMessage]:
    async with unit_of_work() as session:
        return [r[0] for r in (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()]  # type: ignore[call-overload,arg-type]


async def test_bulk_rows_are_the_rows_one_by_one_would_be_in_order_and_wake_the_relay(unit_of_work) -> None:  # type: ignore[no-untyped-def]
    one, many = registered("一"), [registered("二"), registered("三")]
    async with unit_of_work() as session:
        add_to_outbox(session, one)
        await session.flush()
        assert await add_many_to_outbox(session, many) == 2
        woken = has_new_events(session)

    staged = await rows(unit_of_work)
    assert woken and [r.state for r in staged] == [PENDING] * 3
    single, *bulk = staged
    for row, payload in zip(bulk, many, strict=True):
        envelope = json.loads(row.content)
        assert (row.event_type, row.topic, row.partition_key) == (
            single.event_type,
            single.topic,
            str(payload.project_id),
        )
        assert (
            envelope["data"] == payload.model_dump(mode="json") and envelope["districtcode"] == "zz-jinshui"
        )
        assert envelope["id"] == row.event_id and row.attempts == 0
        assert set(envelope) == set(json.loads(single.content))


async def test_a_rolled_back_transaction_keeps_no_bulk_row(unit_of_work) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError):
        async with unit_of_work() as session:
            await add_many_to_outbox(session, [registered("四")])
            raise RuntimeError("the state change failed")
    assert await rows(unit_of_work) == []
    async with unit_of_work() as session:
        assert await add_many_to_outbox(session, []) == 0

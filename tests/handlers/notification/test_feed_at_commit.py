"""The feed's rows are inserted when their transaction commits (so that on PostgreSQL they take
their seq under the feed's lock, just before the COMMIT): what a rolled-back transaction appended
is never stored, a savepoint does not insert early, and a batch keeps its order."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from services.notification.handlers import SUBSCRIPTIONS, feed
from services.notification.handlers.feed import read
from services.notification.models import FeedEntry
from shared.bus.subscriptions import ReceivedEvent
from shared.contracts.envelope import CloudEvent
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import ORGS, accepted


def received(event_id: str) -> ReceivedEvent:  # type: ignore[type-arg]
    payload = accepted()
    return ReceivedEvent(CloudEvent.wrap(payload, event_id=event_id), payload, DEFAULT_NOW)


async def stored(harness) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await harness.run(lambda s: s.exec(select(FeedEntry).order_by(FeedEntry.seq)))  # type: ignore[arg-type]
    return [row.event_id for row in rows.all()]


async def test_a_rolled_back_transactions_entries_are_not_stored_by_a_later_commit(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    async with harness.unit_of_work.sessions() as session:
        with pytest.raises(RuntimeError):
            async with session.begin():
                feed.append(session, received("dropped"))
                raise RuntimeError("the handler failed")
        async with session.begin():
            feed.append(session, received("kept"))
    assert await stored(harness) == ["kept"]


async def test_entries_appended_in_a_savepoint_are_inserted_by_the_outer_commit(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    async with harness.unit_of_work() as session:
        async with session.begin_nested():
            feed.append(session, received("inner"))
        assert (await session.exec(select(FeedEntry))).all() == []  # not yet: only at the commit
        feed.append(session, received("outer"))
    assert await stored(harness) == ["inner", "outer"]


async def test_a_batch_in_one_transaction_is_read_in_the_order_it_was_handled(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    ids = [str(uuid.uuid4()) for _ in range(12)]

    async def batch(session) -> None:  # type: ignore[no-untyped-def]
        for event_id in ids:
            event = received(event_id)
            await SUBSCRIPTIONS.handler(event.envelope.type)(session, event)

    await harness.run(batch)
    page = await harness.run(lambda s: read(s, ORGS["office"], after=0, limit=100))
    assert [item["id"] for item in page.items] == ids

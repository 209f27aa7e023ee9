"""Envelope ids are UUIDv7: valid ids, unique, and ordered as they were made (what keeps the
inbox's and handlers' indexes filling their rightmost page)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectRegistered
from shared.event_ids import new_event_id


def test_ids_are_version_7_unique_and_in_the_order_made() -> None:
    ids = [new_event_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # the text sorts as the id does: within a millisecond too
    assert {uuid.UUID(i).version for i in ids} == {7}
    assert all(str(uuid.UUID(i)) == i for i in ids)  # canonical lower-case form


def test_an_id_carries_the_millisecond_it_was_made_in() -> None:
    before = datetime.now(UTC)
    made = uuid.UUID(new_event_id())
    after = datetime.now(UTC)
    millis = made.int >> 80
    assert int(before.timestamp() * 1000) - 1 <= millis <= int(after.timestamp() * 1000) + 1


def test_wrapped_and_bulk_encoded_envelopes_get_ordered_v7_ids() -> None:
    payloads = [
        ProjectRegistered(
            project_id=uuid.uuid4(),
            community_id=uuid.uuid4(),
            district_code="110101",
            programme_code="2025-OLD-RENOV",
            name="Xiyuan No.3 compound",
            investment_fen=100 + i,
        )
        for i in range(50)
    ]
    wrapped = [CloudEvent.wrap(p).id for p in payloads]
    encoded = [e.id for e in CloudEvent.encode_many(payloads, time=datetime.now(UTC))]
    for ids in (wrapped, encoded):
        assert ids == sorted(ids) and {uuid.UUID(i).version for i in ids} == {7}
    assert wrapped[-1] < encoded[0]

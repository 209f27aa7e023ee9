"""The worker's send queue: per-endpoint and overall limits on requests in flight, one round
leased ahead, endpoints taking turns, and no send on a lease about to run out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from services.notification.domain.send_queue import SendQueue

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


@dataclass(frozen=True)
class Item:
    subscription_id: uuid.UUID
    lease_until: datetime | None = NOW + timedelta(seconds=30)
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def queue(concurrency: int = 50, per_endpoint: int = 2, left_s: float = 20) -> SendQueue[Item]:
    return SendQueue(concurrency, per_endpoint, timedelta(seconds=left_s))


def test_an_endpoint_has_at_most_its_share_in_flight_and_the_rest_wait() -> None:
    q = queue(per_endpoint=2)
    items = [Item(A) for _ in range(4)]
    q.add(items)
    assert q.take(NOW) == items[:2]
    assert (q.sending, q.waiting) == (2, 2)
    assert q.take(NOW) == []  # A is full
    q.finished(A)
    assert q.take(NOW) == [items[2]]  # the oldest waiting one, no lease needed
    assert q.holding() == {A: 3}


def test_room_and_holding_count_what_is_in_flight_and_waiting() -> None:
    q = queue(concurrency=3, per_endpoint=2)
    assert (q.room, q.hold_per_endpoint) == (6, 4)
    q.add([Item(A), Item(A), Item(A), Item(B)])
    q.take(NOW)
    assert q.holding() == {A: 3, B: 1}
    assert q.room == 2
    q.finished(A)
    assert q.room == 3 and q.holding() == {A: 2, B: 1}


def test_endpoints_take_turns_when_the_overall_limit_binds() -> None:
    q = queue(concurrency=3, per_endpoint=3)
    a = [Item(A) for _ in range(3)]
    b = [Item(B) for _ in range(3)]
    c = [Item(C)]
    q.add(a + b + c)
    assert q.take(NOW) == [a[0], b[0], c[0]]
    assert q.take(NOW) == []  # the overall limit is reached
    q.finished(B)
    assert q.take(NOW) == [a[1]]


def test_take_never_starts_more_than_its_limit() -> None:
    q = queue(concurrency=10, per_endpoint=10)
    q.add([Item(A) for _ in range(5)])
    assert len(q.take(NOW, limit=2)) == 2
    assert len(q.take(NOW, limit=0)) == 0
    assert q.take(NOW, limit=-3) == []
    assert (q.sending, q.waiting) == (2, 3)


def test_a_waiting_delivery_with_too_little_lease_left_is_dropped_not_sent() -> None:
    q = queue(per_endpoint=1, left_s=20)
    stale = Item(A, lease_until=NOW + timedelta(seconds=19))
    exact = Item(A, lease_until=NOW + timedelta(seconds=20))
    q.add([stale, exact])
    assert q.take(NOW) == [exact]  # exactly the minimum left is still enough
    assert (q.dropped, q.waiting, q.holding()) == (1, 0, {A: 1})


def test_an_endpoint_whose_waiting_ones_all_ran_out_holds_nothing() -> None:
    q = queue(per_endpoint=2)
    q.add([Item(A, lease_until=NOW), Item(A, lease_until=NOW + timedelta(seconds=1))])
    assert q.take(NOW) == []
    assert (q.dropped, q.waiting, q.sending, q.holding()) == (2, 0, 0, {})


def test_a_delivery_without_a_lease_deadline_always_starts() -> None:
    q = queue()
    item = Item(A, lease_until=None)
    q.add([item])
    assert q.take(NOW + timedelta(days=1)) == [item]


def test_a_full_endpoint_does_not_hold_back_the_next_one() -> None:
    q = queue(per_endpoint=1)
    a = [Item(A), Item(A)]
    b = Item(B)
    q.add(a)
    assert q.take(NOW) == [a[0]]
    q.add([b])
    assert q.take(NOW) == [b]  # A is full; B is after it in turn


def test_an_endpoint_with_only_stale_deliveries_does_not_hold_back_the_next_one() -> None:
    q = queue(left_s=20)
    stale = Item(A, lease_until=NOW + timedelta(seconds=5))
    fresh = Item(B)
    q.add([stale, fresh])
    assert q.take(NOW) == [fresh]
    assert q.dropped == 1


def test_an_endpoint_with_deliveries_only_waiting_is_counted_in_holding() -> None:
    q = queue(concurrency=1, per_endpoint=2)
    q.add([Item(A), Item(B), Item(B)])
    q.take(NOW)  # the overall limit starts A's only
    assert q.holding() == {A: 1, B: 2}

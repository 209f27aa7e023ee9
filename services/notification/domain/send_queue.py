"""Which leased deliveries the worker may start now.

The worker leases one round ahead: besides the requests in flight, each endpoint may hold as many
leased deliveries waiting as it may have in flight. A finished request starts the next waiting one
at once, with no database round trip, and the worker leases in batches (at most every
`delivery_lease_interval_s` while work is waiting) instead of one delivery per freed slot.

A waiting delivery starts only while enough of its lease is left for a whole attempt; one that
waited too long (its endpoint is slow) is dropped here and leased again, by any worker, once its
lease has run out: it is never sent on a lease another worker may already hold.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar


class Leased(Protocol):
    """What the queue needs to know of a leased delivery."""

    @property
    def subscription_id(self) -> uuid.UUID: ...

    @property
    def lease_until(self) -> datetime | None: ...


T = TypeVar("T", bound=Leased)


class SendQueue(Generic[T]):
    """Leased deliveries per endpoint, and how many of each are in flight.

    Args:
        concurrency: requests in flight at once, all endpoints together.
        per_endpoint: requests in flight at once to one subscription.
        min_lease_left: a waiting delivery starts only with at least this much of its lease left.
    """

    def __init__(self, concurrency: int, per_endpoint: int, min_lease_left: timedelta) -> None:
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.min_lease_left = min_lease_left
        self._waiting: dict[uuid.UUID, deque[T]] = {}
        self._sending: dict[uuid.UUID, int] = {}
        self.sending = 0
        self.waiting = 0
        self.dropped = 0

    @property
    def hold_per_endpoint(self) -> int:
        """How many one endpoint may hold, in flight and waiting: one round ahead."""
        return 2 * self.per_endpoint

    @property
    def room(self) -> int:
        """How many more deliveries may be leased now, all endpoints together."""
        return 2 * self.concurrency - self.sending - self.waiting

    def holding(self) -> dict[uuid.UUID, int]:
        """Deliveries held per subscription, in flight or waiting (for the next lease's limits)."""
        held = dict(self._sending)
        for subscription_id, waiting in self._waiting.items():
            held[subscription_id] = held.get(subscription_id, 0) + len(waiting)
        return held

    def add(self, leased: Iterable[T]) -> None:
        """Queue newly leased deliveries behind their endpoint's waiting ones."""
        for delivery in leased:
            self._waiting.setdefault(delivery.subscription_id, deque()).append(delivery)
            self.waiting += 1

    def take(self, now: datetime, limit: int | None = None) -> list[T]:
        """The deliveries to start now (at most `limit`), counted as in flight; endpoints take
        turns, one at a time, so none crowds out the others when an overall limit binds."""
        started: list[T] = []
        most = self.concurrency - self.sending
        if limit is not None:
            most = min(most, limit)
        progress = True
        while progress and self._waiting:
            progress = False
            for subscription_id in list(self._waiting):
                if len(started) >= most:
                    break
                if self._sending.get(subscription_id, 0) >= self.per_endpoint:
                    continue
                delivery = self._next_startable(subscription_id, now)
                if delivery is None:
                    continue
                self._sending[subscription_id] = self._sending.get(subscription_id, 0) + 1
                self.sending += 1
                started.append(delivery)
                progress = True
        return started

    def finished(self, subscription_id: uuid.UUID) -> None:
        """One request to `subscription_id` is over: its slot is free."""
        left = self._sending[subscription_id] - 1
        if left:
            self._sending[subscription_id] = left
        else:
            del self._sending[subscription_id]
        self.sending -= 1

    def _next_startable(self, subscription_id: uuid.UUID, now: datetime) -> T | None:
        queue = self._waiting[subscription_id]
        found: T | None = None
        while queue and found is None:
            delivery = queue.popleft()
            self.waiting -= 1
            lease_until = delivery.lease_until
            if lease_until is not None and lease_until - now < self.min_lease_left:
                self.dropped += 1  # its lease runs out soon: leased again after it has
                continue
            found = delivery
        if not queue:
            del self._waiting[subscription_id]
        return found

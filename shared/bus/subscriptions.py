"""Typed subscriptions: one table per service from payload class to the handler that takes it.

    SUBSCRIPTIONS = Subscriptions({ProjectAccepted: propose_award_on_acceptance})

The consumer derives its topics from the table and hands each handler its payload already parsed
into the class it subscribed to, so handlers start with typed data, not `assert isinstance`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.contracts.base import EventPayload
from shared.contracts.dead_letter import type_family
from shared.contracts.envelope import CloudEvent

__all__ = ["Handler", "ReceivedEvent", "Subscriptions"]

P = TypeVar("P", bound=EventPayload, covariant=True)


@dataclass(frozen=True)
class ReceivedEvent(Generic[P]):
    """An event as a handler sees it.

    Attributes:
        envelope: the CloudEvent as received (id, type, time, correlation, ...).
        payload: its data, parsed into the payload class the handler subscribed to.
        now: the service clock's time when handling began; domain rules take it as `now`.
    """

    envelope: CloudEvent
    payload: P
    now: datetime
    raw: bytes = b""
    """The record's value as received (forwarded byte for byte, e.g. as a webhook body)."""

    @property
    def id(self) -> str:
        return self.envelope.id


Handler = Callable[[AsyncSession, ReceivedEvent[Any]], Awaitable[None]]


class Subscriptions:
    """A service's subscription table, stated once.

    Args:
        table: payload class → the handler for events of that class's `TYPE`.
    """

    def __init__(self, table: Mapping[type[EventPayload], Handler]) -> None:
        self._by_type: dict[str, tuple[type[EventPayload], Handler]] = {
            model.TYPE: (model, handler) for model, handler in table.items()
        }

    def subscribes_to_family_of(self, event_type: str) -> bool:
        """Whether some version of `event_type`'s family is subscribed (an unknown version is not
        to be skipped silently: the consumer dead-letters it)."""
        family = type_family(event_type)
        return any(type_family(known) == family for known in self._by_type)

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._by_type

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_type)

    def __len__(self) -> int:
        return len(self._by_type)

    def payload_class(self, event_type: str) -> type[EventPayload]:
        """The payload class subscribed under `event_type` (KeyError if none)."""
        return self._by_type[event_type][0]

    def handler(self, event_type: str) -> Handler:
        """The handler for `event_type` (KeyError if none)."""
        return self._by_type[event_type][1]

    @property
    def topics(self) -> list[str]:
        """The base topic names the consumer must read: each subscribed payload's producer topic."""
        return sorted({model.TOPIC for model, _ in self._by_type.values()})

"""Typed subscriptions: one table per service from payload class to the handler that takes it.

    SUBSCRIPTIONS = Subscriptions({ProjectAccepted: propose_award_on_acceptance})

The consumer derives its topics from the table and hands each handler its payload already parsed
into the class it subscribed to, so handlers start with typed data, not `assert isinstance`.
Why one table: the topics read, the types accepted and the handler called cannot disagree when
they are all read from the same mapping.
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
        now: the service clock's time when handling began (one instant for a fetched batch);
            domain rules take it as `now`.
    """

    envelope: CloudEvent
    payload: P
    now: datetime
    raw: bytes = b""
    """The record's value as received (forwarded byte for byte, e.g. as a webhook body)."""

    @property
    def id(self) -> str:
        """The event's id (the envelope's), which the inbox records as handled."""
        return self.envelope.id


Handler = Callable[[AsyncSession, ReceivedEvent[Any]], Awaitable[None]]
"""``async def handler(session, event) -> None``: runs in the consumer's unit of work; never commits."""


class Subscriptions:
    """A service's subscription table, stated once.

    Args:
        table: payload class → the handler for events of that class's `TYPE`. Two classes with
            one `TYPE` are not expected; the later one wins.

    ``type in subscriptions`` asks whether that exact versioned type is subscribed; iterating
    yields the subscribed type strings.
    """

    def __init__(self, table: Mapping[type[EventPayload], Handler]) -> None:
        self._by_type: dict[str, tuple[type[EventPayload], Handler]] = {
            model.TYPE: (model, handler) for model, handler in table.items()
        }

    def subscribes_to_family_of(self, event_type: str) -> bool:
        """Whether some version of `event_type`'s family is subscribed.

        An unknown version of a subscribed family is not to be skipped silently: the consumer
        dead-letters it as ``unknown_version``, while a type of another family is skipped.

        Args:
            event_type: a versioned type string, e.g. ``registry.project.accepted.v2``.

        Returns:
            True if any subscribed type shares its family (the type without ``.v<n>``).
        """
        family = type_family(event_type)
        return any(type_family(known) == family for known in self._by_type)

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._by_type

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_type)

    def __len__(self) -> int:
        return len(self._by_type)

    def payload_class(self, event_type: str) -> type[EventPayload]:
        """The payload class subscribed under `event_type`.

        Args:
            event_type: an exact versioned type string.

        Returns:
            The class the consumer parses the event's data into.

        Raises:
            KeyError: `event_type` is not subscribed (check with ``in`` first).
        """
        return self._by_type[event_type][0]

    def handler(self, event_type: str) -> Handler:
        """The handler for `event_type`.

        Args:
            event_type: an exact versioned type string.

        Returns:
            The handler registered for the payload class of that type.

        Raises:
            KeyError: `event_type` is not subscribed (check with ``in`` first).
        """
        return self._by_type[event_type][1]

    @property
    def topics(self) -> list[str]:
        """The base topic names the consumer must read: each subscribed payload's producer topic."""
        return sorted({model.TOPIC for model, _ in self._by_type.values()})

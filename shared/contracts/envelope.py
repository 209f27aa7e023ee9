"""The CloudEvents 1.0 envelope, in structured JSON mode on Kafka.

On the wire a record's value is the whole envelope as JSON (`content-type:
application/cloudevents+json` header), its key the aggregate id (`partitionkey` extension).
Extensions: `correlationid` (the request or flow that started it all), `causationid` (the event
or request that directly caused this one), `districtcode` (whose district it concerns),
`traceparent` (the W3C trace context of the span that staged it; `shared.observability.tracing`).
Why a standard envelope: department systems can read the platform's events with any CloudEvents
SDK, and routing facts (type, key, district) sit outside the payload they describe.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic_core import to_json

from shared.clock import utcnow
from shared.context import causation_id_var, correlation_id_var
from shared.contracts.base import EventPayload
from shared.event_ids import new_event_id
from shared.observability.tracing import TRACEPARENT, current_traceparent

__all__ = ["CONTENT_TYPE", "CloudEvent", "EncodedEvent"]

CONTENT_TYPE = "application/cloudevents+json"
"""The `content-type` header of every record: structured-mode CloudEvents JSON."""


class EncodedEvent(NamedTuple):
    """One envelope, already encoded: what the outbox stores for a bulk-staged event.

    Attributes:
        id: the envelope id.
        type: the event type string.
        partition_key: the Kafka key (the `partitionkey` extension).
        content: the envelope as `CloudEvent.to_bytes` writes it, decoded.
    """

    id: str
    type: str
    partition_key: str
    content: str


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 envelope with the platform's extensions."""

    # Extensions this build does not name (e.g. `traceparent`) are kept, not dropped.
    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"]  # required on the wire (CloudEvents 1.0), set by `wrap`
    id: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str | None = None
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    correlationid: str | None = None
    causationid: str | None = None
    districtcode: str | None = None
    partitionkey: str | None = None

    @classmethod
    def wrap(cls, payload: EventPayload, *, event_id: str | None = None) -> CloudEvent:
        """Wrap a payload, taking correlation and causation from the current context.

        Inside an HTTP request the correlation id is the request's; inside an event handler it is
        the incoming event's, and the causation id is the incoming event's id. Outside both, the
        event starts its own correlation (its id) and has no causation.

        Args:
            payload: the event's data; its class gives type, source, subject, district and key.
            event_id: the envelope id to use; a new one (`new_event_id`, a UUIDv7) when None.
                The outbox passes its row's id, so a relay that sends twice sends the same id
                and consumers drop the copy.

        Returns:
            The envelope, timestamped with the current UTC time.
        """
        new_id = event_id or new_event_id()
        context = (correlation_id_var.get(), causation_id_var.get(), current_traceparent())
        return cls(**_members(payload, new_id, utcnow(), payload.model_dump(mode="json"), *context))

    @classmethod
    def encode_many(cls, payloads: Sequence[EventPayload], *, time: datetime) -> list[EncodedEvent]:
        """The envelopes `wrap` would build, encoded as `to_bytes` would, without a model each.

        Why: a bulk command (20,000 registrations in one import) stages an event per record, and
        validating an envelope model per event, then dumping it, cost more than the record's own
        rows. Every member here is one `wrap` computes the same way (the contract tests compare
        the bytes for every event type); the context is read once, for the whole batch.

        Args:
            payloads: the events' data, in order.
            time: the envelopes' `time` (aware); one instant for the batch.

        Returns:
            One encoded envelope per payload, in order, each with a new id (`new_event_id`).
        """
        context = (correlation_id_var.get(), causation_id_var.get(), current_traceparent())
        encoded: list[EncodedEvent] = []
        for payload in payloads:
            new_id = new_event_id()
            members = _members(payload, new_id, time, payload, *context)  # the payload dumps itself
            content = to_json(members, by_alias=False).decode()
            encoded.append(EncodedEvent(new_id, payload.TYPE, members["partitionkey"], content))
        return encoded

    def to_bytes(self) -> bytes:
        """Serialise for a Kafka record value.

        Returns:
            The envelope as compact UTF-8 JSON, leaving out members that are None.
        """
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        """Parse a record value.

        Args:
            raw: the record value as received.

        Returns:
            The envelope; unknown extensions are kept and ``data`` stays a plain dict (the
            consumer validates it against the payload model of ``type``).

        Raises:
            pydantic.ValidationError: not JSON, not an object, or a member missing or invalid
                (e.g. no ``specversion``, a naive ``time``, an ``id`` longer than 64).
        """
        return cls.model_validate_json(raw)


def _members(
    payload: EventPayload,
    new_id: str,
    time: datetime,
    data: object,
    correlation: str | None,
    causation: str | None,
    traceparent: str | None,
) -> dict[str, Any]:
    """The envelope's members for `payload`, in the model's field order, None left out (as
    `to_bytes` writes them): one place for `wrap` and `encode_many`."""
    members: dict[str, Any] = {"specversion": "1.0", "id": new_id, "source": payload.SOURCE}
    members["type"] = payload.TYPE
    if (subject := payload.subject()) is not None:
        members["subject"] = subject
    members["time"] = time
    members["datacontenttype"] = "application/json"
    members["data"] = data
    members["correlationid"] = correlation or new_id
    if causation is not None:
        members["causationid"] = causation
    if (district := payload.district()) is not None:
        members["districtcode"] = district
    members["partitionkey"] = payload.partition_key()
    if traceparent:
        members[TRACEPARENT] = traceparent
    return members

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

import uuid
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.clock import utcnow
from shared.context import causation_id_var, correlation_id_var
from shared.contracts.base import EventPayload
from shared.observability.tracing import TRACEPARENT, current_traceparent

__all__ = ["CONTENT_TYPE", "CloudEvent"]

CONTENT_TYPE = "application/cloudevents+json"
"""The `content-type` header of every record: structured-mode CloudEvents JSON."""


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
            event_id: the envelope id to use; a new UUID4 when None. The outbox passes its row's
                id, so a relay that sends twice sends the same id and consumers drop the copy.

        Returns:
            The envelope, timestamped with the current UTC time.
        """
        new_id = event_id or str(uuid.uuid4())
        traceparent = current_traceparent()
        extensions: dict[str, Any] = {TRACEPARENT: traceparent} if traceparent else {}
        return cls(
            specversion="1.0",
            id=new_id,
            source=payload.SOURCE,
            type=payload.TYPE,
            subject=payload.subject(),
            time=utcnow(),
            data=payload.model_dump(mode="json"),
            correlationid=correlation_id_var.get() or new_id,
            causationid=causation_id_var.get(),
            districtcode=payload.district(),
            partitionkey=payload.partition_key(),
            **extensions,
        )

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

"""Every published event type, by its stable type string. Add a new contract here to publish it."""

from __future__ import annotations

from shared.contracts.base import EventPayload
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted, ProjectRegistered

EVENT_TYPES: dict[str, type[EventPayload]] = {
    model.TYPE: model for model in (ProjectRegistered, ProjectAccepted, SubsidyApproved)
}


def payload_model(event_type: str) -> type[EventPayload] | None:
    """The payload model for a type string, or None for a type this build does not know."""
    return EVENT_TYPES.get(event_type)

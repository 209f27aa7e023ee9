"""Topic names: one topic per producing service, one dead-letter topic per consumer group.

These are base names; `ServiceSettings.topic()` adds the deployment's prefix.
"""

from __future__ import annotations

REGISTRY_EVENTS = "registry.events"
FUNDING_EVENTS = "funding.events"
REPORTING_EVENTS = "reporting.events"

ALL_EVENT_TOPICS = (REGISTRY_EVENTS, FUNDING_EVENTS, REPORTING_EVENTS)


def dead_letter_topic(service_name: str) -> str:
    """The dead-letter topic of a service's consumer group, e.g. `funding.dlq` (base name)."""
    return f"{service_name}.dlq"

"""Topic names: one topic per producing service, one dead-letter topic per consumer group.

These are base names; `ServiceSettings.topic()` adds the deployment's prefix. Why here and not in
the bus: the names are part of the public contract department systems subscribe to.
"""

from __future__ import annotations

__all__ = ["ALL_EVENT_TOPICS", "FUNDING_EVENTS", "REGISTRY_EVENTS", "REPORTING_EVENTS", "dead_letter_topic"]

REGISTRY_EVENTS = "registry.events"
FUNDING_EVENTS = "funding.events"
REPORTING_EVENTS = "reporting.events"

ALL_EVENT_TOPICS = (REGISTRY_EVENTS, FUNDING_EVENTS, REPORTING_EVENTS)
"""Every producer's topic, created at start-up by `shared.bus.kafka.ensure_topics`."""


def dead_letter_topic(service_name: str) -> str:
    """The dead-letter topic of a service's consumer group (a base name, without the prefix).

    Args:
        service_name: the consuming service, e.g. ``funding``.

    Returns:
        ``<service_name>.dlq``, e.g. ``funding.dlq``.
    """
    return f"{service_name}.dlq"

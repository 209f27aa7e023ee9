"""What a dead-lettered record carries: the reasons and the `dlq.*` header names (public contract).

Operators and department systems read these from `<service>.dlq`; the bus writes them.
"""

from __future__ import annotations

__all__ = ["DLQ_HEADERS", "EXHAUSTED", "MALFORMED", "PERMANENT", "REASONS", "UNKNOWN_VERSION", "type_family"]

MALFORMED = "malformed"
PERMANENT = "permanent"
EXHAUSTED = "retries_exhausted"
UNKNOWN_VERSION = "unknown_version"
"""A type of a family the consumer subscribes to, in a version it does not know (e.g. `.v2`)."""
REASONS = (MALFORMED, PERMANENT, EXHAUSTED, UNKNOWN_VERSION)

DLQ_HEADERS = (
    "dlq.reason",
    "dlq.error.class",
    "dlq.error.message",
    "dlq.attempts",
    "dlq.consumer.group",
    "dlq.original.topic",
    "dlq.original.partition",
    "dlq.original.offset",
    "dlq.failed.at",
)


def type_family(event_type: str) -> str:
    """The type without its version suffix: `registry.project.accepted.v1` -> `registry.project.accepted`."""
    head, _, version = event_type.rpartition(".")
    return head if head and version.startswith("v") and version[1:].isdigit() else event_type

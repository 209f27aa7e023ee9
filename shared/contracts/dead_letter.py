"""What a dead-lettered record carries: the reasons and the `dlq.*` header names (public contract).

Operators and department systems read these from `<service>.dlq`; the bus writes them. Why in the
contracts: a reader of the dead-letter topic needs the vocabulary without depending on the bus.
"""

from __future__ import annotations

__all__ = ["DLQ_HEADERS", "EXHAUSTED", "MALFORMED", "PERMANENT", "REASONS", "UNKNOWN_VERSION", "type_family"]

MALFORMED = "malformed"
"""The record is not a valid envelope, or its data does not fit the payload model."""
PERMANENT = "permanent"
"""The handler refused the event for good (a PermanentError or a DomainError)."""
EXHAUSTED = "retries_exhausted"
"""The handler kept failing with retryable errors until the attempts ran out."""
UNKNOWN_VERSION = "unknown_version"
"""A type of a family the consumer subscribes to, in a version it does not know (e.g. `.v2`)."""
REASONS = (MALFORMED, PERMANENT, EXHAUSTED, UNKNOWN_VERSION)
"""Every value the ``dlq.reason`` header can take."""

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
"""The headers the bus adds to a dead-lettered record, beside the original record's own."""


def type_family(event_type: str) -> str:
    """The type without its version suffix, so versions of one event are recognised as one family.

    Args:
        event_type: a type string, e.g. ``registry.project.accepted.v1``.

    Returns:
        ``registry.project.accepted``; a type without a ``.v<digits>`` suffix is returned as is.
    """
    head, _, version = event_type.rpartition(".")
    return head if head and version.startswith("v") and version[1:].isdigit() else event_type

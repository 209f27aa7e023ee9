"""What a dead-lettered record carries: the reasons and the `dlq.*` header names (public contract).

Operators and department systems read these from `<service>.dlq`; the bus writes them.
"""

from __future__ import annotations

__all__ = ["DLQ_HEADERS", "EXHAUSTED", "MALFORMED", "PERMANENT", "REASONS"]

MALFORMED = "malformed"
PERMANENT = "permanent"
EXHAUSTED = "retries_exhausted"
REASONS = (MALFORMED, PERMANENT, EXHAUSTED)

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

"""Context of the work in progress: which request or event started it, and which event caused it.

Set by the web middleware (request id) and by the consumer (the incoming event); read by the
outbox when it wraps a new event, by the audit trail and by the JSON log formatter. Why context
variables: the correlation travels with the task (including across ``await``) without every
domain function taking it as an argument, and it never leaks between concurrent requests.
"""

from __future__ import annotations

import contextvars

__all__ = ["causation_id_var", "correlation_id_var", "event_id_var"]

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
"""The id shared by everything one request or one chain of events caused (None outside one)."""

causation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("causation_id", default=None)
"""The id of the event being handled, so events it emits name their direct cause."""

event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)
"""The id of the event being handled, for logs and the audit trail."""

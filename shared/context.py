"""Context of the work in progress: which request or event started it, and which event caused it.

Set by the web middleware (request id) and by the consumer (the incoming event); read by the
outbox when it wraps a new event, by the audit trail and by the JSON log formatter.
"""

from __future__ import annotations

import contextvars

__all__ = ["causation_id_var", "correlation_id_var", "event_id_var"]

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
causation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("causation_id", default=None)
event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)

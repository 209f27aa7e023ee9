"""Errors an event handler raises to tell the consumer what to do with the event.

HandlerError
├── RetryableError   transient (a peer busy, a lock held): retry with backoff, then dead-letter
└── PermanentError   will never succeed (bad payload, broken invariant): dead-letter now

A `shared.errors.DomainError` raised by a handler counts as permanent. Infrastructure errors
(database or broker unreachable) are neither: they are retried until the infrastructure is back.
"""

from __future__ import annotations

__all__ = ["HandlerError", "PermanentError", "RetryableError"]


class HandlerError(Exception):
    """Raised by an event handler; the consumer decides what happens next by subclass."""


class RetryableError(HandlerError):
    """Transient failure: the consumer retries with backoff, then dead-letters."""


class PermanentError(HandlerError):
    """The event can never be handled: the consumer dead-letters it without retrying."""

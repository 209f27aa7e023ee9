"""Which failures are the event's fault and which are the infrastructure's.

An outage of the database or the broker is not the event's fault: the consumer retries it
without limit (capped backoff) and never dead-letters for it. Only the handler's own errors count
toward the attempts that end in the dead-letter topic. Why a module of its own: the decision is
the consumer's most consequential one (drop an event or wait), so it is stated in one function
that unit tests can probe error by error.
"""

from __future__ import annotations

import asyncio
import enum

from sqlalchemy import exc as sa_exc

from shared.bus.errors import PermanentError
from shared.errors import DomainError

__all__ = ["FailureKind", "classify"]

_RETRY_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"}
"""Serialisation failure, deadlock, lock not available, admin/crash shutdown, cannot connect now,
too many connections: transient by definition."""


class FailureKind(enum.Enum):
    """How the consumer treats a failure, in order of patience."""

    INFRASTRUCTURE = "infrastructure"  # retry until it comes back; never dead-letter
    PERMANENT = "permanent"  # dead-letter now
    RETRYABLE = "retryable"  # retry a bounded number of times, then dead-letter


def classify(error: BaseException) -> FailureKind:
    """Decide how the consumer treats a failure.

    Args:
        error: what handling the event raised (the handler, the inbox claim or the commit).

    Returns:
        INFRASTRUCTURE for lost connections, operational database errors, deadlocks and
        serialisation failures, pool and I/O timeouts; PERMANENT for `PermanentError` and
        domain errors; RETRYABLE for everything else (the handler's own transient errors).
    """
    if isinstance(error, (PermanentError, DomainError)):
        return FailureKind.PERMANENT
    if isinstance(error, sa_exc.DBAPIError):
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if error.connection_invalidated or code in _RETRY_SQLSTATES:
            return FailureKind.INFRASTRUCTURE
        if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            return FailureKind.INFRASTRUCTURE
        return FailureKind.RETRYABLE
    if isinstance(error, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):
        return FailureKind.INFRASTRUCTURE
    if isinstance(error, (ConnectionError, TimeoutError, asyncio.TimeoutError, OSError)):
        return FailureKind.INFRASTRUCTURE
    return FailureKind.RETRYABLE

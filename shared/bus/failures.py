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

__all__ = ["FailureKind", "HandlerDeadlineExceeded", "classify"]

_RETRY_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"}
"""Serialisation failure, deadlock, lock not available, admin/crash shutdown, cannot connect now,
too many connections: transient by definition."""


class HandlerDeadlineExceeded(Exception):
    """The consumer's own deadline for one batch's or event's transaction passed.

    Not a `TimeoutError`: an I/O timeout is the infrastructure's, but a run cut off by the
    consumer may be the handler's own fault (a query that never ends on this event). The consumer
    tells the two apart by asking the database (`EventConsumer`): if it answers at once, the run
    counts as a handler attempt (retryable, dead-lettered after `max_attempts`); if it does not,
    the outage is waited out like any other.

    Args:
        timeout_s: the consumer's `handler_timeout_s` that the run went past.
    """

    def __init__(self, timeout_s: float) -> None:
        super().__init__(f"the handler's transaction ran past {timeout_s:g}s")
        self.timeout_s = timeout_s


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
        domain errors; RETRYABLE for everything else (the handler's own transient errors, and
        a run past the consumer's deadline, which the consumer re-judges by asking the database).
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

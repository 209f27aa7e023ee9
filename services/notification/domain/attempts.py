"""What an attempt's outcome is called in the delivery log: a short status line, never the
receiver's words. A response body is never stored or shown, so a refused or internal destination
cannot be read back through the delivery list (issue 7 item 3)."""

from __future__ import annotations

from dataclasses import dataclass

from services.notification.domain.retry import Outcome

MAX_STATUS_LINE = 80


@dataclass(frozen=True)
class AttemptResult:
    """One attempt as the sender saw it.

    Attributes:
        status: the HTTP status, or None when no response came.
        status_line: e.g. "HTTP 500", "timeout", "connection refused", "refused: private_address".
        retry_after_s: the receiver's Retry-After in seconds, for 429/503.
        sent: False when the destination was refused before any connection was made.
        latency_ms: time from the start of the attempt to its end.
        outcome: set by channels that are not HTTP (e-mail); HTTP outcomes follow the status.
    """

    status: int | None
    status_line: str
    retry_after_s: float | None = None
    sent: bool = True
    latency_ms: int = 0
    outcome: Outcome | None = None


def http_status_line(status: int) -> str:
    """ "HTTP 503"; a redirect says it was not followed."""
    if 300 <= status < 400:
        return f"HTTP {status} (redirect not followed)"
    return f"HTTP {status}"


def refused_line(rule: str) -> str:
    """The line for a destination the outbound guard refused; nothing was sent."""
    return f"refused: {rule}"[:MAX_STATUS_LINE]

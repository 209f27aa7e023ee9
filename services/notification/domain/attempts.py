"""What an attempt's outcome is called in the delivery log: a short status line of the platform's
own words, and at most a bounded excerpt of the receiver's answer for the subscription's owner.

The delivery list (`last_error`) only ever shows the status line, so no destination's words can be
read back there (issue 7 item 3). The excerpt (issue 10: "Response excerpts are stored for the
owner, bounded") exists only when a destination that passed the outbound guard answered; the
attempt log shows it to the subscription's owner and to no one else."""

from __future__ import annotations

from dataclasses import dataclass

from services.notification.domain.retry import Outcome

MAX_STATUS_LINE = 80
MAX_EXCERPT_CHARS = 512
"""The most of an answer body any attempt keeps (the setting may keep less)."""


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
        excerpt: the start of the answer body, for the subscription's owner (`response_excerpt`).
    """

    status: int | None
    status_line: str
    retry_after_s: float | None = None
    sent: bool = True
    latency_ms: int = 0
    outcome: Outcome | None = None
    excerpt: str | None = None


def http_status_line(status: int) -> str:
    """ "HTTP 503"; a redirect says it was not followed."""
    if 300 <= status < 400:
        return f"HTTP {status} (redirect not followed)"
    return f"HTTP {status}"


def refused_line(rule: str) -> str:
    """The line for a destination the outbound guard refused; nothing was sent."""
    return f"refused: {rule}"[:MAX_STATUS_LINE]


def response_excerpt(body: bytes, limit: int) -> str | None:
    """The start of an answer body as an owner can read it: UTF-8 (undecodable bytes replaced),
    control characters and runs of white space made single spaces, at most `limit` characters
    (and never more than `MAX_EXCERPT_CHARS`); None for an empty body or a limit of 0."""
    limit = max(0, min(limit, MAX_EXCERPT_CHARS))
    text = body[: limit * 4].decode(errors="replace")  # UTF-8: at most 4 bytes a character
    readable = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return readable[:limit] or None

"""When a webhook attempt counts as delivered, worth retrying, or finally failed, and when to try
again (pure rules; the caller passes `now` and its random source).

Retry only what may succeed later: network errors, timeouts, 5xx and 429. Any other 4xx means the
subscriber refuses this request as it is, so retrying would only repeat the refusal; 410 Gone
says the endpoint itself is gone, so it is disabled. Redirects are never followed: a 3xx is a
failed delivery (following it would let a public URL bounce the platform into an internal one).

The schedule after a failed attempt follows Svix's (first attempt at once, then 5 s, 5 min, 30 min,
2 h, 5 h, 10 h, 10 h), each delay spread by ±`jitter` so a recovering receiver is not hit by every
sender at the same instant; a `Retry-After` from a 429 or 503 is honoured by never retrying sooner.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

SVIX_SCHEDULE_S: tuple[float, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
"""Delays before the 2nd, 3rd, … attempt; the first is immediate. 8 attempts over about 27.6 h."""

MAX_RETRY_AFTER_S = 24 * 3600.0
"""A receiver cannot push a retry further than a day away."""


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


def classify(status: int | None) -> Outcome:
    """`status` is the HTTP status, or None when no response came (timeout, refused, reset)."""
    if status is None or status == 429 or status >= 500:
        return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.DELIVERED
    return Outcome.FAILED


def disables_endpoint(status: int | None) -> bool:
    """410 Gone: the receiver says this endpoint will never take deliveries again."""
    return status == 410


def after_attempt(status: int | None, attempts: int, max_attempts: int) -> Outcome:
    """The outcome once `attempts` (counting this one) have been made."""
    outcome = classify(status)
    if outcome is Outcome.RETRY and attempts >= max_attempts:
        return Outcome.FAILED
    return outcome


def backoff_s(attempts: int, base_s: float, cap_s: float = 600.0) -> float:
    """Exponential backoff before the next attempt: base, 2×base, 4×base … capped."""
    return float(min(cap_s, base_s * 2 ** max(0, attempts - 1)))


def max_attempts(schedule_s: Sequence[float]) -> int:
    """The first attempt plus one per scheduled delay."""
    return len(schedule_s) + 1


def next_delay_s(
    attempts: int,
    schedule_s: Sequence[float],
    *,
    jitter: float = 0.2,
    rng: random.Random | None = None,
    retry_after_s: float | None = None,
) -> float | None:
    """Seconds to wait before the next attempt after `attempts` failed ones; None when exhausted.

    Args:
        attempts: attempts made so far (≥ 1).
        schedule_s: delays before the 2nd, 3rd, … attempt.
        jitter: each delay is spread uniformly over ±jitter of itself.
        rng: the random source (tests pass a seeded one).
        retry_after_s: the receiver's `Retry-After`, honoured up to a day.
    """
    if attempts < 1 or attempts > len(schedule_s):
        return None
    base = float(schedule_s[attempts - 1])
    spread = base * jitter
    delay = base + (rng or random).uniform(-spread, spread) if spread else base
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, MAX_RETRY_AFTER_S))
    return max(0.0, delay)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """A `Retry-After` header in seconds from `now` (delta-seconds or an HTTP date); None if absent
    or unreadable (an unreadable header is ignored, not trusted)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(min(int(text), MAX_RETRY_AFTER_S))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, min((when - now).total_seconds(), MAX_RETRY_AFTER_S))

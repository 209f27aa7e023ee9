"""When a webhook attempt counts as delivered, worth retrying, or finally failed (pure rules).

Retry only what may succeed later: network errors, 5xx and 429. Any other 4xx means the
subscriber refuses this request as it is, so retrying would only repeat the refusal.
"""

from __future__ import annotations

from enum import StrEnum


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


def after_attempt(status: int | None, attempts: int, max_attempts: int) -> Outcome:
    """The outcome once `attempts` (counting this one) have been made."""
    outcome = classify(status)
    if outcome is Outcome.RETRY and attempts >= max_attempts:
        return Outcome.FAILED
    return outcome


def backoff_s(attempts: int, base_s: float, cap_s: float = 600.0) -> float:
    """Exponential backoff before the next attempt: base, 2×base, 4×base … capped."""
    return float(min(cap_s, base_s * 2 ** max(0, attempts - 1)))

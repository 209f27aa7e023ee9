"""Rate limits: writes per organisation, failed authentications per client IP (429 + Retry-After).

Counted in this process's memory with `limits` (sliding window counter), which is right for one
process per service. Several replicas or workers each count on their own, so the effective limit
is N times the setting; a deployment with replicas points `limits` at a shared store (Redis) —
see docs/security.md.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

__all__ = ["READ_METHODS", "RateLimits", "TooManyRequests"]

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TooManyRequests(Exception):
    """The caller went over a rate limit; answered 429 with `Retry-After` (seconds).

    Args:
        detail: one sentence saying which limit was exceeded, for a person.
        retry_after_s: whole seconds until the caller may try again.
    """

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class RateLimits:
    """The two limits the web layer applies, checked from `shared.web.auth.authenticate`.

    Args:
        writes: e.g. "600/minute": writes one organisation may make.
        auth_failures: e.g. "30/minute": failed authentications one client IP may make before
            every request from it is refused until the window moves on.
    """

    def __init__(self, writes: str, auth_failures: str) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._writes: RateLimitItem = parse(writes)
        self._failures: RateLimitItem = parse(auth_failures)

    def refuse_if_failing(self, client_ip: str) -> None:
        """Raise TooManyRequests when this IP has used up its failed authentications.

        Args:
            client_ip: the address the request came from.

        Raises:
            TooManyRequests: the address has no failed authentications left in this window.
        """
        if not self._limiter.test(self._failures, "auth-failure", client_ip):
            raise TooManyRequests(
                "too many failed authentications from this address",
                self._retry_after(self._failures, "auth-failure", client_ip),
            )

    def count_failure(self, client_ip: str) -> None:
        """Count one failed authentication against the address.

        Args:
            client_ip: the address the request came from.
        """
        self._limiter.hit(self._failures, "auth-failure", client_ip)

    def count_write(self, org_code: str) -> None:
        """Count one write for the organisation; raise TooManyRequests over its limit.

        Args:
            org_code: the caller's organisation code.

        Raises:
            TooManyRequests: this write takes the organisation over its write limit.
        """
        if not self._limiter.hit(self._writes, "write", org_code):
            raise TooManyRequests(
                f"organisation '{org_code}' is over its write limit ({self._writes})",
                self._retry_after(self._writes, "write", org_code),
            )

    def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        reset_at = self._limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset_at - time.time()))

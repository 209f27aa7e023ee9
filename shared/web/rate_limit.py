"""Rate limits: writes per organisation, failed authentications per client IP (429 + Retry-After).

Counted in this process's memory with a sliding window counter (`SlidingWindowCounter`: the
current fixed window's count plus the previous window's, weighted by how much of it the sliding
window still covers; the same estimate as `limits`' SlidingWindowCounterRateLimiter, whose parser
still reads the settings' "600/minute"). Why not `limits`' MemoryStorage: it started a timer
thread for its expiry on nearly every write (profiled: ~10% of a POST's time, plus the thread's
GIL switches); here a stale key is swept when the table grows. Right for one process per service;
several replicas or workers each count on their own, so the effective limit is N times the
setting; a deployment with replicas needs a shared store (Redis) instead, see docs/security.md.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from limits import RateLimitItem, parse

__all__ = ["READ_METHODS", "RateLimits", "SlidingWindowCounter", "TooManyRequests"]

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


class SlidingWindowCounter:
    """At most `limit` hits per key in any `window_s`, estimated from two fixed windows.

    Per key it keeps the index of the current fixed window and the counts of that window and the
    one before; the estimate is ``previous * (1 - elapsed fraction of the current window) +
    current``. Only the event loop's thread calls it.

    Args:
        limit: hits allowed per window.
        window_s: the window's length in seconds.
        clock: seconds, monotonic (tests pass a fake).
        max_keys: when more keys than this are held, stale ones (older than the previous window)
            are swept; if that is not enough, the oldest are dropped.
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._clock = clock
        self._keys: dict[str, tuple[int, int, int]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def _state(self, key: str, now: float) -> tuple[int, int, int]:
        """(current window index, its count, the previous window's count) at `now`."""
        index = int(now // self.window_s)
        entry = self._keys.get(key)
        if entry is None:
            return index, 0, 0
        held, current, previous = entry
        if held == index:
            return entry
        if held == index - 1:
            return index, 0, current
        return index, 0, 0

    def _estimate(self, now: float, current: int, previous: int) -> float:
        elapsed = (now % self.window_s) / self.window_s
        return previous * (1.0 - elapsed) + current

    def test(self, key: str) -> bool:
        """Whether one more hit would be allowed now (nothing is counted).

        Args:
            key: who is counted (an organisation code, an address).

        Returns:
            True when a hit now would stay within the limit.
        """
        if key not in self._keys:
            return self.limit >= 1
        now = self._clock()
        _, current, previous = self._state(key, now)
        return self._estimate(now, current, previous) + 1 <= self.limit

    def hit(self, key: str) -> bool:
        """Count one hit unless it would go over the limit.

        Args:
            key: who is counted.

        Returns:
            True when the hit was allowed (and counted); False when refused (not counted).
        """
        now = self._clock()
        index, current, previous = self._state(key, now)
        if self._estimate(now, current, previous) + 1 > self.limit:
            self._keys[key] = (index, current, previous)
            return False
        if key not in self._keys and len(self._keys) >= self.max_keys:
            self._sweep(index)
        self._keys[key] = (index, current + 1, previous)
        return True

    def retry_after(self, key: str) -> float:
        """Seconds until a hit by `key` would be allowed again (0 when it is now).

        Args:
            key: who is counted.

        Returns:
            The wait in seconds.
        """
        now = self._clock()
        _, current, previous = self._state(key, now)
        into = now % self.window_s
        if current + 1 > self.limit:
            # Not before the next window, where this window's count is the weighted previous one.
            return (self.window_s - into) + self.window_s * max(0.0, 1.0 - (self.limit - 1) / current)
        if previous == 0 or self._estimate(now, current, previous) + 1 <= self.limit:
            return 0.0
        needed = 1.0 - (self.limit - 1 - current) / previous  # the fraction of this window to pass
        return max(0.0, self.window_s * needed - into)

    def _sweep(self, index: int) -> None:
        self._keys = {k: v for k, v in self._keys.items() if v[0] >= index - 1}
        while len(self._keys) >= self.max_keys:
            del self._keys[next(iter(self._keys))]


def _counter(item: RateLimitItem) -> SlidingWindowCounter:
    return SlidingWindowCounter(item.amount, float(item.get_expiry()))


class RateLimits:
    """The two limits the web layer applies, checked from `shared.web.auth.authenticate`.

    Args:
        writes: e.g. "600/minute": writes one organisation may make.
        auth_failures: e.g. "30/minute": failed authentications one client IP may make before
            every request from it is refused until the window moves on.
    """

    def __init__(self, writes: str, auth_failures: str) -> None:
        self._writes_item: RateLimitItem = parse(writes)
        self._writes = _counter(self._writes_item)
        self._failures = _counter(parse(auth_failures))

    def refuse_if_failing(self, client_ip: str) -> None:
        """Raise TooManyRequests when this IP has used up its failed authentications.

        Args:
            client_ip: the address the request came from.

        Raises:
            TooManyRequests: the address has no failed authentications left in this window.
        """
        if not self._failures.test(client_ip):
            raise TooManyRequests(
                "too many failed authentications from this address",
                _whole_seconds(self._failures.retry_after(client_ip)),
            )

    def count_failure(self, client_ip: str) -> None:
        """Count one failed authentication against the address.

        Args:
            client_ip: the address the request came from.
        """
        self._failures.hit(client_ip)

    def count_write(self, org_code: str) -> None:
        """Count one write for the organisation; raise TooManyRequests over its limit.

        Args:
            org_code: the caller's organisation code.

        Raises:
            TooManyRequests: this write takes the organisation over its write limit.
        """
        if not self._writes.hit(org_code):
            raise TooManyRequests(
                f"organisation '{org_code}' is over its write limit ({self._writes_item})",
                _whole_seconds(self._writes.retry_after(org_code)),
            )


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))

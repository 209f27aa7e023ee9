"""The identity provider's signing keys (JWKS), fetched without ever blocking the event loop.

`JwksKeys` answers the public key a token names by its `kid`. The key set is fetched with
`httpx.AsyncClient` (a bounded total time, a bounded body, no redirects) and kept by `kid`:

- an unknown `kid` refreshes the set, but at most once per `min_interval_s` (default 30 s), so a
  stream of tokens with made-up `kid`s costs one fetch per interval, not one per token;
- the set is also refreshed once it is older than `max_age_s` (default 1 h), so keys the provider
  rotates in arrive, and keys it withdraws stop being trusted, without waiting for an unknown `kid`;
- concurrent callers share one fetch (single flight);
- a failed fetch keeps the keys already held; only a successful fetch replaces them.

A token whose `kid` is still unknown after that is refused with `Unauthenticated` (401) naming the
reason, never a server error. Only RS256 and ES256 signing keys are taken from the set.

One `JwksKeys` per app (`shared.web.auth` keeps it on `app.state`), created on first use.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable

import httpx
import jwt

from shared.errors import Unauthenticated

__all__ = [
    "ALGORITHMS",
    "DEFAULT_MAX_AGE_S",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MIN_INTERVAL_S",
    "DEFAULT_TIMEOUT_S",
    "JwksKeys",
]

ALGORITHMS = ("RS256", "ES256")
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_MIN_INTERVAL_S = 30.0
DEFAULT_MAX_AGE_S = 3600.0

log = logging.getLogger(__name__)


class JwksKeys:
    """The signing keys published at `url`, by `kid`, refreshed as the module describes.

    Args:
        url: the identity provider's JWKS URL (`JWT_JWKS_URL`).
        timeout_s: the longest one fetch may take, connection and body included.
        max_bytes: the largest key set accepted; a larger body fails the fetch.
        min_interval_s: the shortest time between two fetches started by unknown `kid`s or age.
        max_age_s: the age after which the held set is fetched again.
        clock: monotonic seconds (tests pass a fake).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        min_interval_s: float = DEFAULT_MIN_INTERVAL_S,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.min_interval_s = min_interval_s
        self.max_age_s = max_age_s
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._inflight: asyncio.Task[None] | None = None
        self.fetches = 0
        self.last_error: str | None = None

    @property
    def kids(self) -> frozenset[str]:
        """The key ids held now."""
        return frozenset(self._keys)

    async def key_for(self, token: str) -> jwt.PyJWK:
        """The published key that should have signed `token` (its header's `kid`).

        Args:
            token: the encoded JWT; only its header is read here, nothing is verified.

        Returns:
            The key, an RS256 or ES256 signing key from the provider's set.

        Raises:
            Unauthenticated: the header is malformed, names another algorithm or no `kid`, or the
                `kid` is not in the set even after the refresh the rate limit allows.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid bearer token: {exc}") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise Unauthenticated(f"invalid bearer token: the algorithm {alg!r} is not accepted here")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("invalid bearer token: the token names no signing key (kid)")
        key = self._keys.get(kid)
        if (key is None or self._stale()) and self._may_fetch():
            await self._refresh()
            key = self._keys.get(kid)
        if key is None:
            reason = f"the identity provider's key set has no key with kid {kid!r}"
            if self.last_error is not None:
                reason += f" (its last fetch failed: {self.last_error})"
            raise Unauthenticated(f"invalid bearer token: {reason}")
        return key

    def _stale(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= self.max_age_s

    def _may_fetch(self) -> bool:
        if self._joinable() is not None:
            return True
        return self._attempted_at is None or self._clock() - self._attempted_at >= self.min_interval_s

    def _joinable(self) -> asyncio.Task[None] | None:
        task = self._inflight
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            return None
        return task

    async def _refresh(self) -> None:
        task = self._joinable()
        if task is None:
            self._attempted_at = self._clock()
            task = self._inflight = asyncio.get_running_loop().create_task(self._fetch())
        # shielded: a caller that gives up does not cancel the fetch the others wait for
        await asyncio.shield(task)

    async def _fetch(self) -> None:
        self.fetches += 1
        try:
            async with asyncio.timeout(self.timeout_s):
                keys = self._parse(await self._download())
        except Exception as exc:  # whatever the provider sends or does, the held keys stay
            self.last_error = str(exc) or type(exc).__name__
            held = len(self._keys)
            log.warning("JWKS fetch from %s failed (%s); %d keys kept", self.url, self.last_error, held)
            return
        self._keys = keys
        self._loaded_at = self._clock()
        self.last_error = None

    async def _download(self) -> bytes:
        body = bytearray()
        async with (
            httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as client,
            client.stream("GET", self.url, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code} from the JWKS URL")
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise ValueError(f"the key set is larger than {self.max_bytes} bytes")
        return bytes(body)

    @staticmethod
    def _parse(body: bytes) -> dict[str, jwt.PyJWK]:
        document = json.loads(body)
        if not isinstance(document, dict):
            raise ValueError("the key set is not a JSON object")
        keys = {
            key.key_id: key
            for key in jwt.PyJWKSet.from_dict(document).keys
            if key.key_id and key.public_key_use in (None, "sig") and key.algorithm_name in ALGORITHMS
        }
        if not keys:
            raise ValueError("the key set holds no RS256 or ES256 signing key with a kid")
        return keys

"""The HTTP exchange of a webhook: one POST, no redirects followed, over aiohttp.

The sender (`webhook.py`) decides what to send and what an answer means; a `Poster` only carries
the bytes and reports a status, or why no status came. Connections are kept alive: a short answer
body is read and dropped so its connection goes back to the pool, a long or slow one costs only the
connection. Every connection goes through the guard (`shared.outbound_session`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

import aiohttp

from shared.outbound import Allowlist, CheckedDestination, OutboundRefused, Resolver
from shared.outbound_session import GuardRefusal, guarded_session

DRAIN_LIMIT_BYTES = 64 * 1024
"""An answer body up to this long is read (and dropped) so its connection can be reused; a longer
one closes the connection instead."""
DRAIN_BUDGET_S = 0.5
"""The longest a body is read for: the status is already known, and a receiver that drips its body
must not hold the delivery's slot (the connection is closed instead)."""


class PostFailed(Exception):
    """No answer came; `line` is the short status line kept for operators.

    Args:
        line: e.g. ``timeout``, ``connection refused``, ``connection reset``.
    """

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


class Exchange(Protocol):
    """An answer whose status is known and whose body may still be on the wire."""

    status: int
    retry_after: str | None

    async def finish(self, keep: int) -> bytes:
        """Read a short body, then give the connection back (or close it); returns its first
        `keep` bytes (what arrived of them, if the body was cut short)."""


class Poster(Protocol):
    """Carries one POST to a checked destination."""

    async def post(
        self, destination: CheckedDestination, content: bytes, headers: Mapping[str, str]
    ) -> Exchange:
        """Send; raise `PostFailed` when no answer came, `OutboundRefused` when the guard refused
        the connection (nothing was sent)."""

    async def aclose(self) -> None:
        """Close the connections."""


class _AiohttpExchange:
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status = response.status
        self.retry_after = response.headers.get("retry-after")

    async def finish(self, keep: int) -> bytes:
        read = 0
        kept = bytearray()
        content = self._response.content
        try:
            async with asyncio.timeout(DRAIN_BUDGET_S):
                while read <= DRAIN_LIMIT_BYTES:
                    chunk = await content.read(DRAIN_LIMIT_BYTES + 1 - read)
                    if not chunk:
                        break
                    read += len(chunk)
                    if len(kept) < keep:
                        kept += chunk[: keep - len(kept)]
        except (TimeoutError, aiohttp.ClientError):
            self._response.close()  # the connection is closed instead
            return bytes(kept)
        if read > DRAIN_LIMIT_BYTES:
            self._response.close()
        else:
            self._response.release()
        return bytes(kept)


class AiohttpPoster:
    """POSTs through one guarded aiohttp session.

    Args:
        allowlist: destinations allowed despite the guard's address rules.
        resolver: how to resolve names; the operating system's by default.
        limit: the most connections open at once (the worker's concurrency).
        timeout_s: a backstop for one request; the sender's own deadline is the one that counts.
    """

    def __init__(
        self,
        *,
        allowlist: Allowlist,
        resolver: Resolver | None = None,
        limit: int = 100,
        timeout_s: float = 15.0,
    ) -> None:
        self._allowlist = allowlist
        self._resolver = resolver
        self._limit = limit
        self._timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:  # created on the loop that uses it
            self._session = guarded_session(
                allowlist=self._allowlist,
                resolver=self._resolver,
                limit=self._limit,
                total_timeout_s=self._timeout_s + 1,
            )
        return self._session

    async def post(
        self, destination: CheckedDestination, content: bytes, headers: Mapping[str, str]
    ) -> Exchange:
        """See `Poster.post`."""
        try:
            response = await self._open().post(
                destination.url, data=content, headers=headers, allow_redirects=False
            )
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, GuardRefusal):
                raise OutboundRefused(exc.os_error.rule, str(exc.os_error)) from None
            refused = isinstance(exc.os_error, ConnectionRefusedError)
            raise PostFailed("connection refused" if refused else "connection failed") from None
        except aiohttp.ServerTimeoutError:
            raise PostFailed("timeout") from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, aiohttp.ClientPayloadError):
            raise PostFailed("connection reset") from None
        except aiohttp.ClientError:
            raise PostFailed("connection failed") from None
        return _AiohttpExchange(response)

    async def aclose(self) -> None:
        """See `Poster.aclose`."""
        if self._session is not None:
            await self._session.close()
            self._session = None

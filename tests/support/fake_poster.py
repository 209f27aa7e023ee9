"""A webhook `Poster` for handler tests: requests never leave the process.

Each POST becomes an `httpx.Request` to the address the guard checked (as the guarded connection
would go), with the Host header naming the URL's host, and `respond` answers it with an
`httpx.Response` (or raises `PostFailed` for an answer that never came). The real poster's own
behaviour (keep-alive, faults, the guard at connection time) is tested against loopback servers in
`tests/handlers/notification/test_webhook_post.py`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from services.notification.channels.webhook_post import Exchange
from shared.outbound import CheckedDestination

Respond = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


@dataclass
class _Answer:
    status: int
    retry_after: str | None
    body: bytes = b""

    async def finish(self, keep: int) -> bytes:
        return self.body[:keep]


class MockPoster:
    """Answers every POST with `respond`; `requests` keeps them in order."""

    def __init__(self, respond: Respond, requests: list[httpx.Request] | None = None) -> None:
        self._respond = respond
        self.requests: list[httpx.Request] = [] if requests is None else requests

    async def post(
        self, destination: CheckedDestination, content: bytes, headers: Mapping[str, str]
    ) -> Exchange:
        url = httpx.URL(destination.url)
        request = httpx.Request(
            "POST",
            url.copy_with(host=destination.address),
            content=content,
            headers={**headers, "host": url.netloc.decode("ascii")},
        )
        self.requests.append(request)
        answer = self._respond(request)
        response = await answer if inspect.isawaitable(answer) else answer
        return _Answer(response.status_code, response.headers.get("retry-after"), response.content)

    async def aclose(self) -> None:
        """Nothing to close."""

"""Request body size limit: a pure ASGI middleware that refuses an oversized body with 413.

A declared `Content-Length` over the limit is refused before the app runs (nothing is read); a
body streamed without one (chunked) is counted as it arrives and refused the moment it passes the
limit. The default comes from `MAX_BODY_BYTES` (1 MiB); a path prefix may get a larger limit in
`BODY_LIMIT_OVERRIDES` (e.g. `{"/imports": 20971520}` for a spreadsheet import). `ROUTE_LIMITS`
holds the larger limits built in (the registry's ledger import); the settings' overrides win.

Before answering, the rest of the refused body is read and discarded (up to `DRAIN_LIMIT`), so a
client that sends its whole body before reading the answer sees the 413 instead of a reset
connection; nothing of it is kept. Past `DRAIN_LIMIT` the server answers and closes.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.problems import send_problem

__all__ = ["DRAIN_LIMIT", "ROUTE_LIMITS", "BodyLimitMiddleware", "BodyTooLarge"]

DRAIN_LIMIT = 128 * 1024 * 1024
ROUTE_LIMITS: dict[str, int] = {"/ledger/imports": 20 * 1024 * 1024}
"""Built-in larger limits by path prefix: a district's ledger spreadsheet upload (POST
/ledger/imports on the registry) may be up to 20 MiB, its documented maximum; every other route
keeps the default. `BODY_LIMIT_OVERRIDES` may change these too."""


class BodyTooLarge(HTTPException):
    """Raised from `receive` while the app reads the body; rendered as the 413 problem.

    Args:
        limit: the limit the body passed, in bytes (named in the problem's detail).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"The request body exceeds the limit of {limit} bytes.")
        self.limit = limit


class BodyLimitMiddleware:
    """Refuse request bodies larger than the limit for their path.

    Args:
        app: the wrapped ASGI app.
        default_limit: bytes allowed when no override matches.
        overrides: larger (or smaller) limits by path prefix, on top of `ROUTE_LIMITS`; the longest
            matching prefix wins.
    """

    def __init__(self, app: ASGIApp, default_limit: int, overrides: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default_limit = default_limit
        merged = {**ROUTE_LIMITS, **(overrides or {})}
        self.overrides = sorted(merged.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        """The body limit for a request path.

        Args:
            path: the request path, e.g. ``/imports/sheets``.

        Returns:
            The limit of the longest override prefix `path` starts with, else `default_limit`.
        """
        for prefix, limit in self.overrides:
            if path.startswith(prefix):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _drain(receive)
            await _refuse(scope, receive, send, limit)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if message.get("more_body", False):
                        await _drain(receive, received)
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, receive, send, limit)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    await send_problem(
        scope,
        receive,
        send,
        status=413,
        problem_type="content-too-large",
        title="Content too large",
        detail=f"The request body exceeds the limit of {limit} bytes.",
    )


async def _drain(receive: Receive, already: int = 0) -> None:
    """Read and discard the rest of the request body, up to DRAIN_LIMIT bytes in all."""
    total = already
    while total <= DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        total += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None

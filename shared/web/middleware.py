"""Pure ASGI middleware (no BaseHTTPMiddleware): request ids into the context, latency metrics,
one access line per request, one retry of a read whose pooled connection had dropped, and one
log line (with the request's correlation id) and a 500 problem for an unexpected error."""

from __future__ import annotations

import logging
import random
import time
import uuid

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.context import correlation_id_var
from shared.observability.metrics import HTTP_LATENCY
from shared.web.problems import OUTAGE_PROBLEM, outage, send_problem

__all__ = [
    "ACCESS_LOGGER",
    "AccessLines",
    "RequestContextMiddleware",
    "RetryDroppedConnectionMiddleware",
    "UnexpectedErrorMiddleware",
]

ACCESS_LOGGER = "shared.web.access"
access_log = logging.getLogger(ACCESS_LOGGER)
log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD"})


class AccessLines:
    """Which requests get an access line: every write, every error and every slow request, and a
    sample of the successful fast reads (each line cost about 0.1 ms of CPU, a third of what a
    cheap read costs the server; the latency histogram still counts every request).

    Args:
        read_sample: share of successful fast GET/HEAD requests logged (1: all, 0: none).
        slow_s: a request at least this slow is always logged.
    """

    def __init__(self, read_sample: float = 1.0, slow_s: float = 0.5) -> None:
        self.read_sample = read_sample
        self.slow_s = slow_s
        self._random = random.Random()

    def wanted(self, method: str, status: int, elapsed_s: float) -> bool:
        """Whether this request gets its access line.

        Args:
            method: the HTTP method.
            status: the response status (500 when none was sent).
            elapsed_s: how long the request took.

        Returns:
            True for writes, statuses >= 400 and slow requests; for the other reads, True with
            probability `read_sample`.
        """
        if method not in SAFE_METHODS or status >= 400 or elapsed_s >= self.slow_s:
            return True
        return self.read_sample >= 1 or self._random.random() < self.read_sample


class RequestContextMiddleware:
    """Carry the caller's `X-Request-ID` (or a new one) into logs and every event staged, echo it
    on the response, record the request's latency under its route template, and write an access
    line (method, path, status, milliseconds) carrying the correlation id, as `lines` chooses.

    Args:
        app: the wrapped ASGI app.
        service: the `service` label of the latency histogram.
        lines: which requests get an access line (default: all).
    """

    def __init__(self, app: ASGIApp, service: str, lines: AccessLines | None = None) -> None:
        self.app = app
        self.service = service
        self.lines = lines or AccessLines()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or _new_request_id()
        token = correlation_id_var.set(request_id)
        start = time.perf_counter()
        status = 500
        id_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_LATENCY.labels(self.service, scope["method"], template, str(status)).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO) and self.lines.wanted(scope["method"], status, elapsed):
                access_log.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed * 1000)
            correlation_id_var.reset(token)


def _new_request_id() -> str:
    """A random version-4 UUID from `random`'s generator (reseeded in each forked worker), not
    `uuid.uuid4()`: a request id tells requests apart in logs and is no secret, and `os.urandom`
    is a system call on every request. In process (`bench.http.inprocess`, PostgreSQL) a
    primary-key read went from 0.519-0.520 to 0.493-0.500 ms of CPU; on SQLite no change showed."""
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


class RetryDroppedConnectionMiddleware:
    """Run a GET or HEAD once more when its database connection turned out to be dead.

    The pool no longer pings a connection on every checkout (a round trip per request); a
    connection the server or a firewall closed while it sat in the pool fails on first use
    instead, is invalidated by SQLAlchemy, and the read is simply run again on a fresh one. Only
    reads are retried, and only before any response byte was sent: a write that met a dead
    connection is answered as an error and retried by its caller with its Idempotency-Key.

    Args:
        app: the wrapped ASGI app (inside the body limit, outside FastAPI's exception handling).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except DBAPIError as exc:
            if started or not exc.connection_invalidated:
                raise
            log.warning("retrying a read once after a dropped connection: %s", exc.orig)
            await self.app(scope, receive, send)


class UnexpectedErrorMiddleware:
    """Answer an error no handler knows with a 500 problem and log it exactly once; a database or
    broker outage with a 503 and `Retry-After` (the request's fault it is not).

    Why here and not in an `Exception` handler: Starlette's outermost `ServerErrorMiddleware`
    re-raises after its handler answered, so uvicorn logged the same error a second time, and both
    lines came after the request's correlation id was gone. Inside `RequestContextMiddleware`, the
    one line carries the correlation id and the access line shows the 500. Nothing is re-raised
    once the 500 is sent; an error after the response had started is logged and re-raised (the
    connection is cut; uvicorn then logs only that the response was incomplete).

    Args:
        app: the wrapped ASGI app (outside the read retry, inside the request context).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if outage(exc) and not started:
                # the database or broker is away: the caller should retry, and no stack trace helps
                log.warning("%s %s: the infrastructure is away (%r)", scope["method"], scope["path"], exc)
                await send_problem(scope, receive, send, **OUTAGE_PROBLEM)
                return
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            await send_problem(
                scope,
                receive,
                send,
                status=500,
                problem_type="internal",
                title="Internal error",
                detail="The request failed; it has been logged. Nothing was written.",
            )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")[:128] or None
    return None

"""The hot GET routes' read path: one plain dependency for the caller, and the read's SELECTs run
as plain synchronous Core in one greenlet.

Why: FastAPI solves every dependency of every request anew, and a dependency that yields costs an
exit stack entry, a cancel scope and two wrapping context managers on top. An authenticated read
through `require(scope)` and `SessionDep` solved four (the scope check, `authenticate`, the
bearer header, the session, which yields) and built an ORM session and its transaction around
one SELECT. `reading(scope)` is one dependency that does not yield (the bearer header stays under
it, so the OpenAPI document still shows the security scheme): it authenticates, checks the scope
and answers a `Read`.

The route then hands its handler to ``await read.run(handler, *args)``: the handler is a plain
function taking a synchronous SQLAlchemy `Connection` from the runtime's read engine
(`shared.db.engine.create_read_engine`: autocommit on PostgreSQL, no ``BEGIN IMMEDIATE`` on
SQLite). SQLAlchemy's asyncio layer runs every awaited call (checkout, execute, close) in a
greenlet of its own, behind an `AsyncConnection` and an `AsyncResult` proxy; a read of one row
paid for three greenlets and both proxies. `Read.run` spawns one greenlet for the whole read,
in which the driver's I/O is still awaited on the event loop, as ``AsyncConnection.run_sync``
does, and the connection is back in the pool before the response is serialised.

The answers are the same as through `require` and `SessionDep`: the same `authenticate` (token
cache, rate limits, `request.state.principal`), the same 403, and a connection dropped while it
sat in the pool still fails as an invalidated `DBAPIError`, which
`shared.web.middleware.RetryDroppedConnectionMiddleware` retries once. A read cancelled midway
(the client went away) unwinds inside its greenlet, and the connection goes back to the pool, or
is discarded by it when its state is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from shared.access import Principal
from shared.web.auth import authenticate, bearer, check_scope
from shared.web.deps import read_engine

__all__ = ["Read", "reading", "run_read"]

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read:
    """What a read route needs: who asks, and where to ask (``await read.run(handler, ...)``)."""

    principal: Principal
    engine: AsyncEngine

    async def run(
        self, handler: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run_read` on this read's engine.

        Args:
            handler: a synchronous read: plain SQLAlchemy Core on the `Connection` it is given.
            *args: passed to `handler` after the connection.
            **kwargs: passed to `handler`.

        Returns:
            What `handler` returns.
        """
        return await run_read(self.engine, handler, *args, **kwargs)


async def run_read(
    engine: AsyncEngine, handler: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run ``handler(connection, *args, **kwargs)`` on a connection of `engine`, in one greenlet.

    Args:
        engine: a read engine (`shared.db.engine.create_read_engine`).
        handler: a synchronous read: plain SQLAlchemy Core on the `Connection` it is given.
        *args: passed to `handler` after the connection.
        **kwargs: passed to `handler`.

    Returns:
        What `handler` returns.

    Raises:
        Exception: whatever `handler` or the driver raises; the connection is back in the pool
            (or discarded) by then.
    """
    # greenlet_spawn passes the keyword arguments on; mypy takes them for its own flag
    spawned = greenlet_spawn(_on_connection, engine.sync_engine, handler, *args, **kwargs)  # type: ignore[arg-type]
    return await spawned


def _on_connection(engine: Engine, handler: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Inside the read's greenlet: check a connection out, run the handler, check it back in."""
    with engine.connect() as connection:
        return handler(connection, *args, **kwargs)


def reading(scope: str) -> Any:
    """A route dependency for GET routes: the caller, whose token must carry `scope`, and the
    runtime's read engine.

    Args:
        scope: the scope the route needs, e.g. `Scope.REGISTRY_READ` (`shared.access`).

    Returns:
        A `Depends` whose dependency answers a `Read`.

    Raises:
        Unauthenticated, TooManyRequests: (per request) as `authenticate`.
        Forbidden: (per request) the caller's token lacks `scope`.
    """

    async def open_read(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Read:
        principal = check_scope(await authenticate(request, credentials), scope)
        return Read(principal, read_engine(request.app.state.runtime))

    return Depends(open_read)

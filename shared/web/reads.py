"""The hot GET routes' read path: one plain dependency for the caller, a plain connection for the
SELECTs.

Why: FastAPI solves every dependency of every request anew, and a dependency that yields costs an
exit stack entry, a cancel scope and two wrapping context managers on top. An authenticated read
through `require(scope)` and `SessionDep` solved four (the scope check, `authenticate`, the
bearer header, the session, which yields) and built an ORM session and its transaction around
one SELECT. `reading(scope)` is one dependency that does not yield (the bearer header stays under
it, so the OpenAPI document still shows the security scheme): it authenticates, checks the scope
and answers a `Read`. The route opens the connection itself, ``async with read.connect() as c``,
from the runtime's read engine (`shared.db.engine.create_read_engine`: autocommit on
PostgreSQL, no ``BEGIN IMMEDIATE`` on SQLite), and passes it to its handler; it is back in the
pool before the response is serialised.

The answers are the same as through `require` and `SessionDep`: the same `authenticate` (token
cache, rate limits, `request.state.principal`), the same 403, and a connection dropped while it
sat in the pool still fails as an invalidated `DBAPIError`, which
`shared.web.middleware.RetryDroppedConnectionMiddleware` retries once.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.access import Principal
from shared.web.auth import authenticate, bearer, check_scope
from shared.web.deps import read_engine

__all__ = ["Read", "reading"]


@dataclass(frozen=True, slots=True)
class Read:
    """What a read route needs: who asks, and where to ask (`async with read.connect() as c`)."""

    principal: Principal
    engine: AsyncEngine

    def connect(self) -> _ReadConnection:
        """A read connection for the block.

        Returns:
            An async context manager giving an `AsyncConnection`, back in the pool on exit.
        """
        return _ReadConnection(self.engine)


class _ReadConnection:
    """Checks a read connection out on entry and closes it on exit.

    Not SQLAlchemy's own ``async with engine.connect()``: its exit always closes in a task of its
    own behind `asyncio.shield` (so a cancelled caller cannot abandon a checkin midway), a task
    and a trip through the event loop on every read, the connection held meanwhile (so 16
    concurrent reads on SQLite needed 16 connections, opened and closed past the pool's 5). A
    read connection's checkin after a normal or failed read does no I/O (autocommit: psycopg
    sends no ROLLBACK on an idle connection; SQLite runs inline), so it is closed directly; only
    a cancelled or interrupted read (a query may be in flight) closes through SQLAlchemy's
    shielded exit.
    """

    __slots__ = ("_connection", "_engine")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        self._connection = await self._engine.connect()
        return self._connection

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if exc is None or isinstance(exc, Exception):
            await connection.close()
        else:
            await connection.__aexit__(exc_type, exc, tb)


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

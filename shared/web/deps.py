"""Dependency aliases routes use, so a route's signature lists what it needs.

`SessionDep` is the request's unit of work: the command runs inside one transaction that is
committed after the route returns and before the response is sent (scope="function"), so a failed
commit is answered as an error, never as a success. Routes and handlers never commit.

A GET or HEAD gets a read session instead, on the runtime's read engine
(`shared.db.engine.create_read_engine`): the same session API, but nothing is begun or committed
on the server around its SELECTs, so a primary-key read is one round trip to PostgreSQL and never
takes SQLite's write lock. Hot reads skip the session altogether (`shared.web.reads`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db.engine import READ_ONLY_OPTION, create_read_sessions

__all__ = ["NowDep", "SessionDep", "read_engine"]

READ_METHODS = frozenset({"GET", "HEAD"})
_read_sessions: WeakKeyDictionary[AsyncEngine, async_sessionmaker[AsyncSession]] = WeakKeyDictionary()
_stand_in_read_engines: WeakKeyDictionary[AsyncEngine, AsyncEngine] = WeakKeyDictionary()


def read_engine(runtime: Any) -> AsyncEngine:
    """The engine this runtime's GET requests read through.

    Args:
        runtime: the app's runtime (`app.state.runtime`).

    Returns:
        `runtime.read_engine`; a stand-in runtime that has none (tests build them with an engine
        only) reads through its engine's own pool, marked read-only and, on PostgreSQL, switched
        to autocommit per checkout (the same answers, at the old cost).
    """
    engine: AsyncEngine | None = getattr(runtime, "read_engine", None)
    if engine is not None:
        return engine
    engine = _stand_in_read_engines.get(runtime.engine)
    if engine is None:
        options: dict[str, Any] = {READ_ONLY_OPTION: True}
        if runtime.engine.dialect.name != "sqlite":
            options["isolation_level"] = "AUTOCOMMIT"
        engine = _stand_in_read_engines[runtime.engine] = runtime.engine.execution_options(**options)
    return engine


def _read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The read session factory of `engine` (a read engine), made once per engine."""
    factory = _read_sessions.get(engine)
    if factory is None:
        factory = _read_sessions[engine] = create_read_sessions(engine)
    return factory


async def _unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    runtime = request.app.state.runtime
    if request.method in READ_METHODS:
        async with _read_session_factory(read_engine(runtime))() as session, session.begin():
            yield session
        return
    async with runtime.unit_of_work() as session:
        yield session


async def _now(request: Request) -> datetime:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hand-off (and GIL
    # switches) on every command just to read the clock.
    return request.app.state.runtime.clock.now()  # type: ignore[no-any-return]


SessionDep = Annotated[AsyncSession, Depends(_unit_of_work, scope="function")]
NowDep = Annotated[datetime, Depends(_now)]

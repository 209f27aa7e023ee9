"""Dependency aliases routes use, so a route's signature lists what it needs.

`SessionDep` is the request's unit of work: the command runs inside one transaction that is
committed after the route returns and before the response is sent (scope="function"), so a failed
commit is answered as an error, never as a success. Routes and handlers never commit.

A GET or HEAD gets a read session instead (`shared.db.engine.create_read_sessions`): the same
session API, but nothing is begun or committed around its SELECTs, so a primary-key read is one
round trip to PostgreSQL and never takes SQLite's write lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db.engine import create_read_sessions

__all__ = ["NowDep", "SessionDep"]

READ_METHODS = frozenset({"GET", "HEAD"})
_read_sessions: WeakKeyDictionary[AsyncEngine, async_sessionmaker[AsyncSession]] = WeakKeyDictionary()


def _read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The read session factory of `engine`, made once per engine."""
    factory = _read_sessions.get(engine)
    if factory is None:
        factory = _read_sessions[engine] = create_read_sessions(engine)
    return factory


async def _unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    runtime = request.app.state.runtime
    if request.method in READ_METHODS:
        async with _read_session_factory(runtime.engine)() as session, session.begin():
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

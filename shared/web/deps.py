"""Dependency aliases routes use, so a route's signature lists what it needs.

`SessionDep` is the request's unit of work: the command runs inside one transaction that is
committed after the route returns and before the response is sent (scope="function"), so a failed
commit is answered as an error, never as a success. Routes and handlers never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["NowDep", "SessionDep"]


async def _unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.runtime.unit_of_work() as session:
        yield session


def _now(request: Request) -> datetime:
    return request.app.state.runtime.clock.now()  # type: ignore[no-any-return]


SessionDep = Annotated[AsyncSession, Depends(_unit_of_work, scope="function")]
NowDep = Annotated[datetime, Depends(_now)]

"""Warm a child's connection pool before the clock starts, as a running service's pool is."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def warm_pool(engine: AsyncEngine, connections: int) -> None:
    """Open `connections` pooled connections at once and give them back to the pool.

    Why: a deployed relay or consumer has been running with its pool open; a bench child that
    connects after "go" times the server's fork and the driver's set-up (~10 ms a connection)
    as if it were the bus's work. The pool keeps what it was given (it has no overflow).
    """
    async with contextlib.AsyncExitStack() as stack:
        opening = (stack.enter_async_context(engine.connect()) for _ in range(connections))
        opened = await asyncio.gather(*opening)
        for connection in opened:
            await connection.execute(text("SELECT 1"))

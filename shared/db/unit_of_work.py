"""One unit of work: a transaction around a command or an event handler, committed in one place.

Handlers and commands never commit. The HTTP dependency, the consumer and any job (an import, a
replay) open a unit of work, run the command inside it and commit once, so one command behaves
the same from an API call, a spreadsheet import or an event, and an event handler's writes commit
atomically with its inbox row.

On SQLite (local runs) each transaction takes the database's one write lock at BEGIN; when
several requests of one process want it, SQLite's busy handler makes the losers sleep and poll
(1, 2, 5 ... 100 ms), so a burst of writes saw p95 latencies near a second. `serialise=True` (set
by the runtime for SQLite) queues the process's units of work on an `asyncio.Lock` instead, first
come first served, before they ask SQLite; other processes still meet the busy handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["SERIAL_WAIT_S", "AfterCommit", "UnitOfWork"]

log = logging.getLogger(__name__)

SERIAL_WAIT_S = 30.0
"""How long a serialised unit of work waits for its turn before going ahead anyway (SQLite's own
busy timeout then decides, as without the queue); the same as the engine's busy timeout."""

AfterCommit = Callable[[AsyncSession], None]
"""Called with the session after a successful commit (e.g. to wake the outbox relay)."""


class UnitOfWork:
    """Opens sessions in a transaction and commits them once; rolls back on any exception.

    Args:
        sessions: the service's session factory.
        after_commit: callbacks run after each successful commit, in order.
        serialise: run this process's units of work one at a time (SQLite: one writer at a time
            anyway; queueing here replaces the busy handler's sleeping and polling).
        serial_wait_s: the longest wait for a turn; past it the unit of work goes ahead.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        after_commit: Sequence[AfterCommit] = (),
        *,
        serialise: bool = False,
        serial_wait_s: float = SERIAL_WAIT_S,
    ) -> None:
        self.sessions = sessions
        self._after_commit = tuple(after_commit)
        self._turn = asyncio.Lock() if serialise else None
        self._serial_wait_s = serial_wait_s

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        """A session inside a transaction; committed when the block exits normally.

        Usage: ``async with unit_of_work() as session: await command(session, ...)``. The
        after-commit callbacks run only when the commit succeeded.

        Yields:
            The session, its transaction already begun.

        Raises:
            Exception: whatever the block raises, after rolling the transaction back; or the
                commit's own error (e.g. an integrity error), in which case nothing was written.
        """
        async with self._my_turn(), self.sessions() as session:
            async with session.begin():
                yield session
            for callback in self._after_commit:
                callback(session)

    @asynccontextmanager
    async def _my_turn(self) -> AsyncIterator[None]:
        """Wait for this unit of work's turn when serialised (at most `serial_wait_s`)."""
        if self._turn is None:
            yield
            return
        try:
            # `asyncio.timeout`, not `wait_for`: 3.11's wait_for can lose a lock acquired just as
            # it times out, which would leave the lock held for ever.
            async with asyncio.timeout(self._serial_wait_s):
                await self._turn.acquire()
        except TimeoutError:
            log.warning("no turn for a unit of work within %.0fs; going ahead", self._serial_wait_s)
            yield
            return
        try:
            yield
        finally:
            self._turn.release()

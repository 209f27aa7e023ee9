"""One unit of work: a transaction around a command or an event handler, committed in one place.

Handlers and commands never commit. The HTTP dependency, the consumer and any job (an import, a
replay) open a unit of work, run the command inside it and commit once, so one command behaves
the same from an API call, a spreadsheet import or an event, and an event handler's writes commit
atomically with its inbox row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["AfterCommit", "UnitOfWork"]

AfterCommit = Callable[[AsyncSession], None]
"""Called with the session after a successful commit (e.g. to wake the outbox relay)."""


class UnitOfWork:
    """Opens sessions in a transaction and commits them once; rolls back on any exception.

    Args:
        sessions: the service's session factory.
        after_commit: callbacks run after each successful commit, in order.
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], after_commit: Sequence[AfterCommit] = ()
    ) -> None:
        self.sessions = sessions
        self._after_commit = tuple(after_commit)

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
        async with self.sessions() as session:
            async with session.begin():
                yield session
            for callback in self._after_commit:
                callback(session)

"""One writer at a time per SQLite file within a process, waited for on the event loop.

Why: with the inline SQLite driver (`shared.db.sqlite_inline`) a statement runs on the event
loop. If a second writer of the same process reached ``BEGIN IMMEDIATE`` while the first one held
SQLite's write lock and was awaiting something, SQLite's busy handler would block the loop the
first writer needs to finish: both would stall for the whole busy timeout. So a writer first
takes its turn here, awaiting an asyncio lock (the loop keeps running), and gives it back when
its transaction ends: commit, rollback, or its connection going back to the pool.

Turns are per database file and event loop: two engines on one file (two app instances in a
test) share them; tests with their own loops do not.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.util.concurrency import await_

__all__ = ["WriteTurns"]


@dataclass
class _Turn:
    lock: asyncio.Lock


_turns: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Turn]] = WeakKeyDictionary()
_by_dialect: WeakKeyDictionary[Any, WriteTurns] = WeakKeyDictionary()


class WriteTurns:
    """The write turns of one SQLite file, for the engines installed on it.

    Args:
        path: the database file (``:memory:`` gets turns of its own per engine).
        timeout_s: how long a writer waits for its turn before failing as SQLite would
            ("database is locked").
    """

    def __init__(self, path: str, timeout_s: float) -> None:
        self.path = path if path and path != ":memory:" else f":memory:{id(self)}"
        self.timeout_s = timeout_s
        self._held: dict[int, _Turn] = {}

    @classmethod
    def install(cls, engine: Engine, path: str, timeout_s: float) -> WriteTurns:
        """Give `engine` (and every engine derived from it with execution options) write turns.

        Args:
            engine: the synchronous engine behind the service's async engine.
            path: its database file.
            timeout_s: how long a writer waits for its turn.

        Returns:
            The turns; `of(engine)` finds them again.
        """
        turns = cls(path, timeout_s)
        _by_dialect[engine.dialect] = turns

        def transaction_ended(connection: Connection) -> None:
            turns.give_back(connection.connection.dbapi_connection)

        def connection_left(dbapi_connection: Any, *_args: Any) -> None:
            turns.give_back(dbapi_connection)

        event.listen(engine, "commit", transaction_ended)
        event.listen(engine, "rollback", transaction_ended)
        for name in ("checkin", "close", "invalidate", "soft_invalidate"):
            event.listen(engine, name, connection_left)
        return turns

    @staticmethod
    def of(engine: Engine) -> WriteTurns | None:
        """The turns installed on `engine`'s dialect, or None (PostgreSQL, aiosqlite).

        Args:
            engine: the connection's engine (options engines share their parent's dialect).

        Returns:
            The turns, or None.
        """
        return _by_dialect.get(engine.dialect)

    def take(self, dbapi_connection: Any) -> None:
        """Wait (on the loop, from SQLAlchemy's greenlet) for the file's write turn.

        Args:
            dbapi_connection: the connection about to begin; it holds the turn until
                `give_back`. Taking it again while holding it does nothing.

        Raises:
            sqlalchemy.exc.OperationalError: another writer of this process kept the turn for
                longer than `timeout_s`.
        """
        key = id(dbapi_connection)
        if key in self._held:
            return
        turn = self._turn()
        if turn.lock.locked():
            try:
                await_(_acquire_within(turn.lock, self.timeout_s))
            except TimeoutError as exc:
                orig = sqlite3.OperationalError(
                    f"database is locked: another writer of this process held it for {self.timeout_s:.0f}s"
                )
                raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, orig) from exc
        else:
            await_(turn.lock.acquire())
        self._held[key] = turn

    def give_back(self, dbapi_connection: Any) -> None:
        """End `dbapi_connection`'s turn, if it has one (called on every commit and rollback).

        Args:
            dbapi_connection: the connection whose transaction ended.
        """
        turn = self._held.pop(id(dbapi_connection), None)
        if turn is not None:
            turn.lock.release()

    def _turn(self) -> _Turn:
        loop = asyncio.get_running_loop()
        files = _turns.setdefault(loop, {})
        turn = files.get(self.path)
        if turn is None:
            turn = files[self.path] = _Turn(asyncio.Lock())
        return turn


async def _acquire_within(lock: asyncio.Lock, timeout_s: float) -> None:
    """Acquire `lock` or raise TimeoutError after `timeout_s`. `asyncio.timeout`, not `wait_for`:
    3.11's wait_for can acquire the lock in its inner task just as it gives up (or as the caller
    is cancelled) and return without it being released, leaving the file's turn held for ever."""
    async with asyncio.timeout(timeout_s):
        await lock.acquire()

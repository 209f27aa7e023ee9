"""SQLite for the asyncio engine without a thread per connection: the `sqlite+inline://` driver.

Why: aiosqlite runs every call (cursor, execute, fetch, close, commit) on a thread of its own
and hands the result back to the event loop. On the 2-core machine each hand-off costs about
0.1 ms of CPU, and a primary-key read made six of them: connecting a pooled connection and
reading one row cost 0.8 ms, where the same read through the standard library's `sqlite3`
costs 0.02 ms. SQLite is an in-process library and a read of a local file in WAL mode takes
microseconds, so this driver calls `sqlite3` directly on the event loop, behind the same
asyncio adapter SQLAlchemy uses for aiosqlite (it only needs awaitables, which complete at once).

What that means for blocking: a statement holds the event loop while it runs. Reads never wait
(WAL: readers see their snapshot). Writers take SQLite's write lock with ``BEGIN IMMEDIATE``;
`shared.db.engine` makes the writers of one process wait for their turn on an asyncio lock
first, so a writer never waits inside SQLite for another writer of its own process (which would
block the loop that writer needs to finish). A writer in another process (a second worker on
the same file, a CLI import) is waited for inside SQLite, loop blocked, for up to the busy
timeout: SQLite is the single-process local default; production runs PostgreSQL.

`sqlite+aiosqlite://` URLs still get aiosqlite.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

__all__ = ["DRIVER", "InlineSQLiteDialect", "connect"]

DRIVER = "inline"

DatabaseError = sqlite3.DatabaseError
Error = sqlite3.Error
IntegrityError = sqlite3.IntegrityError
NotSupportedError = sqlite3.NotSupportedError
OperationalError = sqlite3.OperationalError
ProgrammingError = sqlite3.ProgrammingError
sqlite_version = sqlite3.sqlite_version
sqlite_version_info = sqlite3.sqlite_version_info


class _Cursor:
    """An aiosqlite-shaped cursor whose coroutines run `sqlite3` at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> _Cursor:
        self._cursor.execute(sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]]) -> _Cursor:
        self._cursor.executemany(sql, seq_of_parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: SQLAlchemy's adapter sets the isolation
    level by putting (future, function) on it; here the function runs at once."""

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, like aiosqlite does
            future.set_exception(exc)
        else:
            future.set_result(result)


class _Connection:
    """An aiosqlite-shaped connection over one `sqlite3` connection, opened when awaited."""

    def __init__(
        self, database: str, kwargs: dict[str, Any], after_commit: Callable[[int], None] | None = None
    ) -> None:
        self._database = database
        self._kwargs = kwargs
        self._after_commit = after_commit
        self._conn: sqlite3.Connection | None = None
        self._changes = 0
        self._tx = _RunNow()

    def __await__(self) -> Generator[Any, None, _Connection]:
        return self._open().__await__()

    async def _open(self) -> _Connection:
        self._conn = sqlite3.connect(self._database, **self._kwargs)
        return self

    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    def cursor(self) -> _Cursor:
        return _Cursor(self._live().cursor())

    async def commit(self) -> None:
        conn = self._live()
        conn.commit()
        if self._after_commit is not None:
            total = conn.total_changes
            changes, self._changes = max(0, total - self._changes), total
            self._after_commit(changes)

    async def rollback(self) -> None:
        self._live().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close now (SQLAlchemy's terminate path); closing twice does nothing."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("no active connection")
        return self._conn


Connection = _Connection
"""aiosqlite's name for it; SQLAlchemy's adapter looks for ``Connection.stop`` (terminate)."""


def connect(
    database: str, *, after_commit: Callable[[int], None] | None = None, **kwargs: Any
) -> _Connection:
    """Like `aiosqlite.connect`: returns a connection that opens when awaited.

    Args:
        database: the file name (or ``:memory:``), as `sqlite3.connect` takes it.
        after_commit: called after each commit with the rows changed since the previous one
            (`shared.db.wal_checkpoints.WalCheckpoints.after_commit`).
        **kwargs: passed to `sqlite3.connect`; ``check_same_thread`` defaults to False so a
            connection the pool drops from another thread (garbage collection) can close.

    Returns:
        The connection, to be awaited once.
    """
    kwargs.setdefault("check_same_thread", False)
    return _Connection(database, kwargs, after_commit)


class _InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI adapter, connecting through this module (no thread)."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        creator_fn = kw.pop("async_creator_fn", None)
        connection = creator_fn(*arg, **kw) if creator_fn else connect(*arg, **kw)
        return AsyncAdapt_aiosqlite_connection(self, await_(connection))


class InlineSQLiteDialect(SQLiteDialect_aiosqlite):
    """SQLAlchemy's aiosqlite dialect over this module instead of aiosqlite."""

    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> AsyncAdapt_aiosqlite_dbapi:  # type: ignore[override]
        """SQLAlchemy's DBAPI adapter for aiosqlite, over this module.

        Returns:
            The adapted DBAPI module.
        """
        return _InlineDBAPI(sys.modules[__name__], sqlite3)

    def retrieve_dbapi_version(self, dbapi: Any) -> Any:
        """The SQLite library's version (this module has none of its own).

        Args:
            dbapi: the adapted DBAPI module (unused).

        Returns:
            `sqlite3.sqlite_version_info`.
        """
        return sqlite3.sqlite_version_info


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")

"""SQLite's WAL checkpoints on a worker thread, never inside a commit on the event loop.

Why: in WAL mode SQLite copies the log back into the database file ("checkpoints") by itself,
inside the commit that takes the log past 1,000 pages. With the inline driver
(`shared.db.sqlite_inline`) that commit runs on the event loop, so whichever request happened to
commit then waited for the copy, and the loop with it: a 20,000-row ledger import's commit spent
about 0.3 s of its 0.6 s checkpointing a 70 MB log. So the engine's connections switch SQLite's
automatic checkpoint off (``wal_autocheckpoint=0``) and a `WalCheckpoints` runs a PASSIVE
checkpoint on a thread of the loop's executor after commits that changed enough rows (or after a
quiet second), on a connection of its own. SQLite releases the GIL while it copies, so the loop
goes on serving.

Nothing about durability changes: a commit is durable once its frames are in the log; the
checkpoint only moves them into the database file. A PASSIVE checkpoint never waits for a reader
or a writer and never blocks one; what it cannot copy yet is copied by a later one. The last
connection to close checkpoints what is left, as SQLite always does.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable

__all__ = ["WalCheckpoints"]

log = logging.getLogger(__name__)

EVERY_CHANGES = 1_000
"""Rows changed since the last checkpoint that start the next one at once."""

EVERY_S = 1.0
"""After this long, any committed change starts a checkpoint (a trickle of small commands)."""


class WalCheckpoints:
    """The checkpoints of one SQLite file, for the engine whose connections report commits.

    Args:
        path: the database file.
        every_changes: rows changed that start a checkpoint at once.
        every_s: the longest a committed change waits for its checkpoint while commits go on.
        clock: monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        path: str,
        *,
        every_changes: int = EVERY_CHANGES,
        every_s: float = EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.every_changes = every_changes
        self.every_s = every_s
        self._clock = clock
        self._pending = 0
        self._last = clock()
        self._running: asyncio.Future[tuple[int, int, int]] | None = None
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether a checkpoint is under way on the executor (and its loop can still hear of it)."""
        return self._running is not None and not _abandoned(self._running)

    def after_commit(self, changes: int) -> None:
        """Count a commit's changed rows and start a checkpoint when one is due (on the loop).

        Never raises: the commit it follows has succeeded, whatever happens to the checkpoint
        (a failure is logged; the frames stay in the log for the next one). Without a running
        event loop (a synchronous caller) a due checkpoint runs at once.

        Args:
            changes: rows the committed transaction inserted, updated or deleted.
        """
        self._pending += changes
        if self._running is not None and not _abandoned(self._running):
            return
        self._running = None
        if self._pending == 0:
            return
        if self._pending < self.every_changes and self._clock() - self._last < self.every_s:
            return
        self._pending = 0
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._last = self._clock()
            self._checkpoint_logged()
            return
        try:
            running = loop.run_in_executor(None, self.checkpoint)
        except RuntimeError as error:  # the loop's executor is shut down: the process is stopping
            log.info("SQLite checkpoint of %s left to the last connection: %s", self.path, error)
            return
        self._running = running
        running.add_done_callback(self._finished)

    def checkpoint(self) -> tuple[int, int, int]:
        """Run one PASSIVE checkpoint on this object's own connection (any thread, one at a time).

        Returns:
            SQLite's answer: (1 if it could not run at all, frames in the log, frames copied).
        """
        with self._lock:
            if self._connection is None:
                self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            row = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def _checkpoint_logged(self) -> None:
        try:
            self.checkpoint()
        except sqlite3.Error as error:
            log.warning("SQLite checkpoint of %s failed: %s", self.path, error)

    def close(self) -> None:
        """Close the checkpointing connection (a later checkpoint opens it again)."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _finished(self, running: asyncio.Future[tuple[int, int, int]]) -> None:
        self._running = None
        self._last = self._clock()
        if running.cancelled():
            return
        error = running.exception()
        if error is not None:  # the frames stay in the log; the next checkpoint copies them
            log.warning("SQLite checkpoint of %s failed: %s", self.path, error)


def _abandoned(running: asyncio.Future[tuple[int, int, int]]) -> bool:
    """A checkpoint whose loop closed before it reported back (a test's loop, a stopped process):
    it will never report, so it no longer holds the next one back."""
    return running.get_loop().is_closed()

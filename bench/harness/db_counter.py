"""Counts the round trips an engine makes to PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class DbCounts:
    """What an engine sent, by kind; each kind is one round trip."""

    checkouts: int = 0  # each one is a pre-ping round trip (pool_pre_ping=True)
    begins: int = 0  # psycopg sends BEGIN as its own round trip
    statements: int = 0
    commits: int = 0

    @property
    def round_trips(self) -> int:
        return self.checkouts + self.begins + self.statements + self.commits

    def minus(self, other: DbCounts) -> DbCounts:
        return DbCounts(
            self.checkouts - other.checkouts,
            self.begins - other.begins,
            self.statements - other.statements,
            self.commits - other.commits,
        )


class DbCounter:
    """Counts what the engine sends to PostgreSQL, except while `paused` (e.g. setting up)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.counts = DbCounts()
        self.paused = False
        sync = engine.sync_engine
        event.listen(sync.pool, "checkout", lambda *a: self._bump("checkouts"))
        event.listen(sync, "begin", lambda *a: self._bump("begins"))
        event.listen(sync, "before_cursor_execute", lambda *a: self._bump("statements"))
        event.listen(sync, "commit", lambda *a: self._bump("commits"))

    def _bump(self, name: str) -> None:
        if not self.paused:
            setattr(self.counts, name, getattr(self.counts, name) + 1)

    def snapshot(self) -> DbCounts:
        c = self.counts
        return DbCounts(c.checkouts, c.begins, c.statements, c.commits)

"""Run a service's commands and event handlers on SQLite, fast, with fakes around them.

The database is real (SQLite, the service's own Alembic migrations, the same unit of work the
service uses); time is a `FixedClock`; the outbox is read back as CloudEvents instead of being
relayed; webhooks go to a `MockPoster` (`tests/support/fake_poster.py`). Events are delivered through the same
`handle_event` the consumer uses, so the inbox deduplicates here too.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import event, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.audit import AuditEntry
from shared.bus.consumer import handle_event
from shared.bus.outbox import OutboxMessage
from shared.bus.subscriptions import ReceivedEvent, Subscriptions
from shared.clock import FixedClock
from shared.contracts.base import EventPayload
from shared.contracts.envelope import CloudEvent
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from shared.db.engine import create_read_engine
from shared.web.reads import run_read
from tests.support.fake_poster import MockPoster, Respond

T = TypeVar("T")

_TEMPLATES: dict[tuple[Path, str | None], Path] = {}
"""A migrated database per service, copied for each test instead of migrating again (the
migrations are about half of a handler test's time; they are proven once per process here, and
on every path by `test_schema_drift.py` and the integration tier)."""


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a closed SQLite database, WAL included (SQLite's backup API)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    """A test's database is thrown away: commits need not wait for the disk (an fsync per commit
    was a tenth of the handler tier's time). Durability is the same code path, not tested here."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def migrate_or_copy(migrations_dir: Path, database_path: Path) -> None:
    """Bring `database_path` to the newest revision of `migrations_dir`.

    The first test of a process migrates; later ones copy its result. Under mutmut the key holds
    the mutant being judged (`MUTANT_UNDER_TEST`), so a mutant of the migration helpers still
    runs the migrations it changed instead of inheriting a copy made without it."""
    key = (migrations_dir.resolve(), os.environ.get("MUTANT_UNDER_TEST"))
    template = _TEMPLATES.get(key)
    if template is not None and template.exists():
        _copy_database(template, database_path)
        return
    run_migrations(migrations_dir, f"sqlite:///{database_path}")
    folder = Path(tempfile.mkdtemp(prefix="handler-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    template = folder / "migrated.db"
    _copy_database(database_path, template)
    _TEMPLATES[key] = template


DEFAULT_NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


class ServiceHarness:
    """One service's database and subscription table, driven by a test.

    Args:
        migrations_dir: the service's Alembic migrations.
        database_path: a fresh SQLite file for this test.
        subscriptions: the service's subscription table.
        clock: the fixed clock handlers and commands see.
    """

    def __init__(
        self,
        migrations_dir: Path,
        database_path: Path,
        subscriptions: Subscriptions,
        clock: FixedClock | None = None,
    ) -> None:
        self.url = f"sqlite:///{database_path}"
        self._database_path = database_path
        self._migrations_dir = migrations_dir
        self.subscriptions = subscriptions
        self.clock = clock or FixedClock(DEFAULT_NOW)
        self.group = "handler-test"
        self.engine = create_engine(self.url)
        event.listen(self.engine.sync_engine, "connect", _no_fsync)
        self.unit_of_work = UnitOfWork(create_sessions(self.engine))
        self.http_requests: list[httpx.Request] = []

    async def start(self) -> ServiceHarness:
        await asyncio.to_thread(migrate_or_copy, self._migrations_dir, self._database_path)
        return self

    async def close(self) -> None:
        await self.engine.dispose()

    async def run(self, command: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run a command in one unit of work, committed as the HTTP layer would."""
        async with self.unit_of_work() as session:
            return await command(session)

    async def read(self, query: Callable[..., T], *args: Any) -> T:
        """Run a synchronous read handler as a hot GET route does (`shared.web.reads.Read.run`)."""
        return await run_read(create_read_engine(self.engine), query, *args)

    async def deliver(self, payload: EventPayload, *, event_id: str | None = None) -> str:
        """Deliver an event to the service's handler as the consumer would ("handled"/"duplicate")."""
        envelope = CloudEvent.wrap(payload, event_id=event_id or str(uuid.uuid4()))
        event = ReceivedEvent(envelope, payload, self.clock.now())
        return await handle_event(self.unit_of_work, self.subscriptions, self.group, event)

    async def redeliver(self, envelope: CloudEvent) -> str:
        """Deliver an already-wrapped event again (same id)."""
        model = self.subscriptions.payload_class(envelope.type)
        event = ReceivedEvent(envelope, model.model_validate(envelope.data), self.clock.now())
        return await handle_event(self.unit_of_work, self.subscriptions, self.group, event)

    async def outbox(self) -> list[CloudEvent]:
        """Every event the service staged, oldest first (the captured outbox)."""
        async with self.unit_of_work() as session:
            rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()  # type: ignore[call-overload,arg-type]
        return [CloudEvent.from_bytes(row[0].content.encode()) for row in rows]

    async def outbox_types(self) -> list[str]:
        return [event.type for event in await self.outbox()]

    async def audit_actions(self) -> list[str]:
        async with self.unit_of_work() as session:
            rows = (await session.exec(select(AuditEntry.action).order_by(AuditEntry.id))).all()  # type: ignore[call-overload,arg-type]
        return [row[0] for row in rows]

    async def all(self, model: type[Any]) -> list[Any]:
        """Every row of a table model."""
        async with self.unit_of_work() as session:
            return [row[0] for row in (await session.exec(select(model))).all()]  # type: ignore[call-overload]

    def mock_webhooks(self, respond: Respond) -> MockPoster:
        """A webhook poster whose requests never leave the process; each is kept in `http_requests`."""
        return MockPoster(respond, self.http_requests)

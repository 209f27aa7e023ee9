"""The read engine on PostgreSQL (`shared.db.engine.create_read_engine`): a pool of its own, through
asyncpg, whose connections are in autocommit from the moment they connect, so a read sends its
SELECT and nothing else: no BEGIN, no COMMIT, no ROLLBACK on checkin, and no switching of the
connection to autocommit and back. Seen by the drivers, while `GET /projects/{id}` runs through
the registry app: libpq's trace of every command connection, and asyncpg's query log of every
read connection (each installed by a `connect` listener)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registry.main import create_registry_app
from services.registry.settings import RegistrySettings
from shared.clock import SystemClock
from shared.db import UnitOfWork, create_engine, create_sessions, run_migrations
from shared.db.engine import create_read_engine, dispose_read_engine
from shared.web.reads import run_read
from tests.support import tokens
from tests.support.factories import community_body, project_body

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "registry" / "migrations"
SENT = re.compile(r'\tF\t\d+\t(?:Query\t "|Parse\t "[^"]*" ")(\w+)')
"""The first word of a statement the client sent, in libpq's trace (simple or extended protocol:
``Query "BEGIN"``, ``Parse "<name>" "SELECT ..."``)."""


@pytest.fixture
async def engines(postgres) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:  # type: ignore[no-untyped-def]
    url = await asyncio.to_thread(postgres.create_database, f"reads_{uuid.uuid4().hex[:12]}")
    await asyncio.to_thread(run_migrations, MIGRATIONS, url)
    engine = create_engine(url)
    read_engine = create_read_engine(engine)
    yield engine, read_engine
    await dispose_read_engine(read_engine, engine)
    await engine.dispose()


def _trace(engine: AsyncEngine, folder: Path) -> list[Path]:
    """Trace every connection `engine` opens from now on into a file of its own."""
    files: list[Path] = []

    def trace(_dbapi_connection: Any, record: Any) -> None:
        path = folder / f"trace-{len(files)}.txt"
        files.append(path)
        handle = path.open("wb")
        record.info["trace_file"] = handle  # kept open while the connection lives
        record.driver_connection.pgconn.trace(handle.fileno())

    event.listen(engine.sync_engine, "connect", trace)
    return files


def _logged(read_engine: AsyncEngine) -> list[str]:
    """The first word of every statement sent on a read connection opened from now on: what
    SQLAlchemy executes (asyncpg runs it as a prepared statement), and what the driver sends on
    its own (asyncpg's query log: a transaction's BEGIN, COMMIT or ROLLBACK)."""
    sent: list[str] = []

    def log(_dbapi_connection: Any, record: Any) -> None:
        record.driver_connection.add_query_logger(lambda q: sent.append(q.query.split(None, 1)[0].upper()))

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement.split(None, 1)[0].upper())

    event.listen(read_engine.sync_engine, "connect", log)
    event.listen(read_engine.sync_engine, "before_cursor_execute", executed)
    return sent


def _sent(files: list[Path]) -> list[str]:
    return [m.group(1).upper() for f in files for m in SENT.finditer(f.read_text())]


async def test_a_read_connection_is_in_autocommit_in_its_own_pool(engines) -> None:  # type: ignore[no-untyped-def]
    engine, read_engine = engines
    assert read_engine.sync_engine.pool is not engine.sync_engine.pool
    assert read_engine.dialect.driver == "asyncpg"
    async with read_engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert raw.dbapi_connection.autocommit is True  # type: ignore[union-attr]


async def test_a_read_sends_its_select_and_nothing_else(engines, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, read_engine = engines
    command_files, read_statements = _trace(engine, tmp_path), _logged(read_engine)
    settings = RegistrySettings(environment="test")
    app = create_registry_app(settings)
    app.state.runtime = SimpleNamespace(
        settings=settings,
        engine=engine,
        read_engine=read_engine,
        unit_of_work=UnitOfWork(create_sessions(engine)),
        clock=SystemClock(),
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=tokens.district()
    ) as client:
        community = await client.post("/communities", json=community_body())
        created = await client.post("/projects", json=project_body(community.json()["id"]))
        assert created.status_code == 201, created.text
        for _ in range(3):
            read = await client.get(f"/projects/{created.json()['id']}")
            assert read.status_code == 200
            assert read.content == created.content
        missing = await client.get(f"/projects/{uuid.uuid4()}")
        assert missing.status_code == 404
    assert "BEGIN" in _sent(command_files), "the trace shows a command's transaction"
    assert read_statements == ["SELECT"] * 4


@pytest.mark.parametrize("which", ["command", "read"])
async def test_a_busy_pool_keeps_its_connections_and_opens_none_beyond_them(postgres, which: str) -> None:  # type: ignore[no-untyped-def]
    """Twelve requests at once on a pool of four, three times over: four connections are opened
    in all, and the requests beyond them wait for one. (An overflow connection is closed at its
    checkin, so a pool with overflow opened one per request above its size, every round.)"""
    url = await asyncio.to_thread(postgres.create_database, f"pools_{uuid.uuid4().hex[:12]}")
    engine = create_engine(url, pool_size=4) if which == "command" else create_engine(url)
    read_engine = create_read_engine(engine, pool_size=4)
    pooled = engine if which == "command" else read_engine
    opened: list[int] = []
    event.listen(pooled.sync_engine, "connect", lambda *_: opened.append(1))
    most = 0

    async def request() -> None:
        nonlocal most
        async with pooled.connect() as connection:
            most = max(most, pooled.sync_engine.pool.checkedout())  # type: ignore[attr-defined]
            await connection.execute(text("SELECT pg_sleep(0.02)"))

    try:
        for _ in range(3):
            await asyncio.gather(*(request() for _ in range(12)))
        assert (len(opened), most) == (4, 4)
    finally:
        await dispose_read_engine(read_engine, engine)
        await engine.dispose()


async def test_a_read_cancelled_while_postgresql_answers_leaves_the_pool_usable(engines) -> None:  # type: ignore[no-untyped-def]
    """The client went away mid-query: the read's task is cancelled inside its greenlet while
    asyncpg waits for the server. The next read on the same one-connection pool is answered."""
    engine, _ = engines
    read_engine = create_read_engine(engine, pool_size=1)

    def slow(connection: Connection) -> Any:
        return connection.execute(text("SELECT pg_sleep(5)")).all()

    def answer(connection: Connection) -> int:
        return int(connection.execute(text("SELECT 42")).scalar_one())

    try:
        task = asyncio.create_task(run_read(read_engine, slow))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert read_engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        assert [await asyncio.wait_for(run_read(read_engine, answer), timeout=4) for _ in range(3)] == [
            42,
            42,
            42,
        ]
    finally:
        await dispose_read_engine(read_engine, engine)

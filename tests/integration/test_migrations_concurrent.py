"""Replicas starting together against a fresh database take turns migrating it (issue 12, item 10):
an advisory lock around `run_migrations`, and a one-shot `python -m shared.db.migrate` job."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from deploy.postgres.launcher import PostgresServer
from services.registry.main import create_registry_app
from shared.db.engine import MIGRATION_LOCK_KEY, run_migrations
from tests.support.platform import Platform
from tests.support.servers import serve

ROOT = Path(__file__).resolve().parents[2]
REGISTRY_MIGRATIONS = ROOT / "services" / "registry" / "migrations"


def _fresh_database(postgres: PostgresServer, label: str) -> tuple[str, str]:
    name = f"mig_{label}_{uuid.uuid4().hex[:8]}"
    url = postgres.create_database(name)
    return url, postgres.conninfo(name)


def _versions(conninfo: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        return [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]


def _has_table(conninfo: str, table: str) -> bool:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone() == (True,)


async def test_three_replicas_starting_at_once_migrate_a_fresh_database_once(platform: Platform) -> None:
    settings = platform.settings("registry")
    results = await asyncio.gather(
        *(serve(create_registry_app(settings)) for _ in range(3)), return_exceptions=True
    )
    servers = [r for r in results if not isinstance(r, BaseException)]
    try:
        failures = [r for r in results if isinstance(r, BaseException)]
        assert not failures, f"a replica failed to start: {failures!r}"
        for server in servers:
            async with httpx.AsyncClient(base_url=server.url) as client:
                assert (await client.get("/readyz")).status_code == 200
    finally:
        for server in servers:
            await server.stop()
    conninfo = platform.postgres.conninfo(f"{platform.prefix.strip('.')}_registry")
    assert len(_versions(conninfo)) == 1


def test_three_migration_jobs_at_once_all_succeed(postgres: PostgresServer) -> None:
    url, conninfo = _fresh_database(postgres, "job")
    env = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "test"}
    jobs = [
        subprocess.Popen(
            [sys.executable, "-m", "shared.db.migrate", "funding"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [job.communicate(timeout=120)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0, 0], "\n".join(outputs)
    assert all("funding: migrated to head" in out for out in outputs)
    assert len(_versions(conninfo)) == 1


def test_a_migration_waits_while_another_holds_the_lock(postgres: PostgresServer) -> None:
    url, conninfo = _fresh_database(postgres, "wait")
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            run_migrations(REGISTRY_MIGRATIONS, url)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with psycopg.connect(conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        worker = threading.Thread(target=migrate)
        worker.start()
        time.sleep(1.5)
        assert worker.is_alive(), "the migration must wait for the lock"
        assert not _has_table(conninfo, "alembic_version")
        holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        worker.join(timeout=120)
    assert not errors, errors
    assert len(_versions(conninfo)) == 1


def test_a_held_lock_times_out_with_a_clear_error(postgres: PostgresServer) -> None:
    url, conninfo = _fresh_database(postgres, "timeout")
    with psycopg.connect(conninfo, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            run_migrations(REGISTRY_MIGRATIONS, url, lock_timeout_s=0.5)
        except TimeoutError as exc:
            assert "migration lock" in str(exc)
        else:  # pragma: no cover
            raise AssertionError("run_migrations must give up when the lock stays held")

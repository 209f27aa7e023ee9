"""What a scenario is given: the broker's address, a CPU probe, fresh databases and a label
that keeps this invocation's topics, groups and databases apart from any other's."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.harness.cpu import CpuProbe
from bench.harness.stack import Stack
from shared.db import run_migrations


class Databases:
    """Fresh databases on the stack's server, each migrated; all dropped at the end."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.names: list[str] = []

    async def create(self, name: str, migrations: Path) -> str:
        """Create database `name`, run `migrations` on it, and return its URL."""
        url = await asyncio.to_thread(self.stack.postgres.create_database, name)
        self.names.append(name)
        await asyncio.to_thread(run_migrations, migrations, url)
        return url

    async def drop_all(self) -> None:
        """Drop every database created here (connections are closed by force)."""
        conninfo = self.stack.admin_conninfo()
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            for name in self.names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class BenchContext:
    """Shared by every scenario of one invocation."""

    bootstrap: str
    probe: CpuProbe
    databases: Databases
    label: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @classmethod
    def on(cls, stack: Stack) -> BenchContext:
        return cls(stack.bootstrap, stack.cpu_probe(), Databases(stack))

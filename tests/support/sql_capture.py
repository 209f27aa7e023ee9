"""The statements a harness's engine runs, compiled for PostgreSQL: a handler test on SQLite can
still see the locks (`FOR UPDATE`) a command takes on the server it runs on in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql


@contextmanager
def postgresql_selects(harness: Any) -> Iterator[list[str]]:
    """The SELECTs `harness.engine` runs inside the block, as PostgreSQL would receive them."""
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_select", False):
            statements.append(str(clauseelement.compile(dialect=postgresql.dialect())))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        yield statements
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)

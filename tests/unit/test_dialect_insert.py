"""`insert_for` gives the INSERT with `ON CONFLICT` of the session's own database."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shared.db.dialect_insert import insert_for


def _session(dialect: str) -> Any:
    return SimpleNamespace(bind=SimpleNamespace(dialect=SimpleNamespace(name=dialect)))


def test_postgresql_gets_its_own_insert_and_sqlite_its_own() -> None:
    assert insert_for(_session("postgresql")) is pg_insert
    assert insert_for(_session("sqlite")) is sqlite_insert


def test_a_session_without_a_bind_gets_sqlites() -> None:
    assert insert_for(SimpleNamespace(bind=None)) is sqlite_insert  # type: ignore[arg-type]

"""Each service's hand-written migrations build the schema its models declare.

Why: the migrations are written by hand (and the bus tables by `shared.bus.migration_ops` for every
service), while the code reads and writes through the models. A column the model has and the
migration forgot, a different width or nullability, or an index the model relies on for its leases
would pass every test that creates tables from the models, and fail in production. The migrated
SQLite schema is compared with the models by Alembic's own autogenerate comparison; the same
migrations run on PostgreSQL in the integration tier.

Allowed differences: indexes, foreign keys and unique constraints that only the migrations declare
(the models need not repeat them), and an unbounded text column the model types as plain `str`.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Text, create_engine
from sqlmodel import SQLModel

import shared.bus.inbox
import shared.bus.outbox
from shared.audit.trail import AuditEntry
from shared.db.engine import run_migrations
from shared.db.idempotency import IdempotencyRecord

SERVICES = Path(__file__).parents[2] / "services"
ALLOWED = {"remove_index", "remove_fk", "remove_constraint"}
"""Kinds of difference that mean "the migration declares more than the model" and nothing else."""


def _service_tables(service: str) -> set[str]:
    """The tables the service's own model modules map, plus the shared ones every service carries
    (outbox, inbox, audit trail, idempotency keys)."""
    models = importlib.import_module(f"services.{service}.models")
    for module in pkgutil.walk_packages(models.__path__, models.__name__ + "."):
        importlib.import_module(module.name)
    own = {
        mapper.local_table.name
        for mapper in SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
        if mapper.class_.__module__.startswith(models.__name__)
    }
    shared_models = (
        shared.bus.outbox.OutboxMessage,
        shared.bus.inbox.InboxMessage,
        AuditEntry,
        IdempotencyRecord,
    )
    return own | {model.__tablename__ for model in shared_models}


def _is_text_as_str(difference: tuple[Any, ...]) -> bool:
    """TEXT in the database where the model says `str` with no length: the same column."""
    kind, *_, reflected_type, model_type = difference
    return (
        kind == "modify_type"
        and isinstance(reflected_type, Text)
        and getattr(model_type, "length", 0) is None
    )


def _differences(service: str, tmp_path: Path) -> list[tuple[Any, ...]]:
    tables = _service_tables(service)
    path = tmp_path / f"{service}.db"
    run_migrations(SERVICES / service / "migrations", f"sqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    expected = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        if table.name in tables:
            table.to_metadata(expected)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: kind != "table" or name in tables,
                },
            )
            diff = compare_metadata(context, expected)
    finally:
        engine.dispose()
    flat: list[tuple[Any, ...]] = []
    for entry in diff:
        flat.extend(entry if isinstance(entry, list) else [entry])
    return [d for d in flat if d[0] not in ALLOWED and not _is_text_as_str(d)]


@pytest.mark.parametrize("service", ["registry", "funding", "reporting", "notification"])
def test_the_migrated_schema_has_every_table_column_and_index_the_models_declare(
    service: str, tmp_path: Path
) -> None:
    assert _differences(service, tmp_path) == []


def test_a_migration_that_forgets_a_model_column_is_caught(tmp_path: Path) -> None:
    """The comparison itself can fail: a column only the model declares is reported."""
    from sqlalchemy import Column, Integer

    table = shared.bus.inbox.InboxMessage.__table__
    column = Column("not_in_any_migration", Integer, nullable=True)
    table.append_column(column)
    try:
        kinds = [d[0] for d in _differences("reporting", tmp_path)]
    finally:
        table._columns.remove(column)  # type: ignore[attr-defined]
    assert kinds == ["add_column"]

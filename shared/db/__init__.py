"""Database plumbing: engines and sessions, column types, migrations, the unit of work and
idempotency keys. Nothing here opens a connection at import time."""

from shared.db.engine import async_url, create_engine, create_sessions, ping, run_migrations, sync_url
from shared.db.unit_of_work import UnitOfWork

__all__ = [
    "UnitOfWork",
    "async_url",
    "create_engine",
    "create_sessions",
    "ping",
    "run_migrations",
    "sync_url",
]

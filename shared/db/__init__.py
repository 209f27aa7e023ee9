"""Database plumbing: engines and sessions, column types, migrations, the unit of work and
idempotency keys. Nothing here opens a connection at import time.

Why a package: each service owns its database, but all of them connect, migrate and commit the
same way; the modules here are that way, written once.
"""

from shared.db import model_defaults
from shared.db.engine import async_url, create_engine, create_sessions, ping, run_migrations, sync_url
from shared.db.unit_of_work import UnitOfWork

model_defaults.install()

__all__ = [
    "UnitOfWork",
    "async_url",
    "create_engine",
    "create_sessions",
    "ping",
    "run_migrations",
    "sync_url",
]

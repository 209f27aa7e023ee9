"""The body every service's Alembic `env.py` shares, so each env.py is three lines.

Why shared: offline mode, SQLite's batch mode (ALTER TABLE by copy) and disposing of the engine are
easy to get subtly different in four copies.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, create_engine, pool

__all__ = ["run"]


def run(target_metadata: MetaData | None = None) -> None:
    """Run the migrations Alembic asked for against `sqlalchemy.url`.

    Online by default (a NullPool engine, batch mode on SQLite); in offline mode (``--sql``) it
    renders the SQL instead.

    Args:
        target_metadata: the service's models' metadata, for ``alembic revision --autogenerate``;
            None when the service's migrations are written by hand.
    """
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()

"""One-shot migrations for a service, run as a deployment Job before its replicas start:

    DATABASE_URL=postgresql+psycopg://... python -m shared.db.migrate registry

The service's own settings class reads the environment, so the Job is configured exactly like
the service; replicas then start with RUN_MIGRATIONS_ON_START=false. Running it while replicas
still migrate at start-up is safe too: both take the same advisory lock.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from shared.db.engine import run_migrations
from shared.settings import ServiceSettings

__all__ = ["SERVICES_DIR", "main", "services_with_migrations", "settings_for"]

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
"""The repository's services folder, one sub-folder per service."""


def services_with_migrations() -> list[str]:
    """The services that carry Alembic migrations.

    Returns:
        Their names (folders with ``migrations/env.py``), sorted.
    """
    return sorted(p.parent.parent.name for p in SERVICES_DIR.glob("*/migrations/env.py"))


def settings_for(service: str) -> ServiceSettings:
    """The service's settings (its own subclass, so its defaults apply) from the environment.

    Args:
        service: the service's name, e.g. ``registry``.

    Returns:
        The settings, read from the environment as the service itself reads them.

    Raises:
        RuntimeError: ``services.<service>.settings`` does not define exactly one subclass.
        ModuleNotFoundError: there is no such service.
    """
    module = importlib.import_module(f"services.{service}.settings")
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings
    ]
    if len(classes) != 1:
        raise RuntimeError(f"services.{service}.settings must define exactly one ServiceSettings subclass")
    return classes[0]()


def main(argv: list[str] | None = None) -> int:
    """Migrate one service's database to head (the command line's entry point).

    Args:
        argv: the arguments after the program name; None for ``sys.argv[1:]``.

    Returns:
        0 once migrated; argparse exits with 2 for an unknown service.
    """
    parser = argparse.ArgumentParser(prog="python -m shared.db.migrate", description=__doc__)
    parser.add_argument("service", choices=services_with_migrations())
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    settings = settings_for(args.service)
    run_migrations(SERVICES_DIR / args.service / "migrations", settings.database_url)
    print(f"{args.service}: migrated to head", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

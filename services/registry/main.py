"""Registry service: the ledger (台账) of communities and renovation projects."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.registry.api import ROUTERS
from services.registry.handlers import SUBSCRIPTIONS
from services.registry.handlers.deadline_sweep import sweep_missed_deadlines
from services.registry.handlers.directory import seed_organisations
from services.registry.settings import RegistrySettings
from shared.contracts.topics import REGISTRY_EVENTS
from shared.web.app import Runtime, ServiceDefinition, create_app


def create_registry_app(settings: RegistrySettings | None = None) -> FastAPI:
    """Build the registry app; settings default to the environment."""
    return create_app(
        ServiceDefinition(
            settings=settings or RegistrySettings(),
            title="Registry (台账)",
            description="Communities, renovation projects and their lifecycle.",
            routers=ROUTERS,
            migrations_dir=Path(__file__).parent / "migrations",
            produces=[REGISTRY_EVENTS],
            subscriptions=SUBSCRIPTIONS,
            on_startup=[_seed_directory],
            workers=[sweep_missed_deadlines],
        )
    )


async def _seed_directory(runtime: Runtime) -> None:
    async with runtime.unit_of_work() as session:
        await seed_organisations(session)

"""Registry service: the ledger (台账) of communities and renovation projects."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.registry.api import router
from services.registry.handlers import EVENT_HANDLERS
from services.registry.settings import RegistrySettings
from shared.bus.topics import REGISTRY_EVENTS
from shared.service import ServiceDefinition, create_app


def create_registry_app(settings: RegistrySettings | None = None) -> FastAPI:
    """Build the registry app; settings default to the environment."""
    return create_app(
        ServiceDefinition(
            settings=settings or RegistrySettings(),
            title="Registry (台账)",
            description="Communities, renovation projects and their lifecycle.",
            routers=[router],
            migrations_dir=Path(__file__).parent / "migrations",
            produces=[REGISTRY_EVENTS],
            handlers=EVENT_HANDLERS,
        )
    )

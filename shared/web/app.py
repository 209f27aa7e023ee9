"""Builds a service's FastAPI app around its runtime.

Every service's `main.py` describes itself as a `ServiceDefinition` and calls `create_app`; the
lifespan does the pre-start work (migrations, waiting for Kafka, topics) and runs the background
loops under supervision. Nothing connects at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shared.audit.api import audit_router
from shared.web.health import health_router
from shared.web.middleware import RequestContextMiddleware
from shared.web.problems import install_problem_handlers
from shared.web.runtime import Runtime, ServiceDefinition, start_runtime, stop_runtime

__all__ = ["Runtime", "ServiceDefinition", "create_app"]


def create_app(definition: ServiceDefinition) -> FastAPI:
    """The service's ASGI app; start-up and shut-down live in its lifespan.

    Args:
        definition: what the service is (settings, routers, subscriptions, workers).

    Returns:
        A FastAPI app whose `state.runtime` is set while it runs.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await start_runtime(definition)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await stop_runtime(runtime)

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=definition.settings.service_name)
    app.include_router(health_router())
    app.include_router(audit_router())
    for router in definition.routers:
        app.include_router(router)
    return app

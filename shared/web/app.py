"""Builds a service's FastAPI app around its runtime.

Every service's `main.py` describes itself as a `ServiceDefinition` and calls `create_app`; the
lifespan does the pre-start work (migrations, waiting for Kafka, topics) and runs the background
loops under supervision. Nothing connects at import time.

The web layer every service shares, outermost first (all pure ASGI):
security headers (around everything, 500s included) -> CORS (only when origins are configured) ->
a trace span (only when tracing is configured: shared/web/tracing.py) ->
request context (correlation id, latency, access line: every write, error and slow request, a
sample of the rest) -> body size limit -> unexpected errors
(logged once, answered 500) -> one retry of a read whose pooled connection had dropped ->
FastAPI's exception handling and routes. Authentication
(verified tokens cached per app until their `exp`) and rate limits run in the `authenticate`
dependency; the OpenAPI document
lists every problem response; /docs and /redoc are served from packaged assets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from shared.audit.api import audit_router
from shared.observability.tracing import configure_tracing
from shared.settings import ServiceSettings
from shared.web.auth import TokenCache
from shared.web.body_limit import BodyLimitMiddleware
from shared.web.docs import DOCS_PATHS, install_docs
from shared.web.health import health_router
from shared.web.middleware import (
    AccessLines,
    RequestContextMiddleware,
    RetryDroppedConnectionMiddleware,
    UnexpectedErrorMiddleware,
)
from shared.web.openapi import install_openapi
from shared.web.plain_routes import use_plain_routes
from shared.web.problems import install_problem_handlers
from shared.web.rate_limit import RateLimits
from shared.web.routing import filter_top_level_routes, first_segment_filter
from shared.web.runtime import Runtime, ServiceDefinition, start_runtime, stop_runtime
from shared.web.security_headers import SecurityHeadersMiddleware
from shared.web.tracing import TracingMiddleware

__all__ = ["Runtime", "ServiceApp", "ServiceDefinition", "create_app"]

CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"]
CORS_EXPOSED = ["X-Request-ID", "Retry-After", "Location"]


class ServiceApp(FastAPI):
    """FastAPI with the security headers wrapped around its whole middleware stack, so even the
    500 answered by the framework's outermost error middleware carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's middleware stack, wrapped in `SecurityHeadersMiddleware`.

        Returns:
            The outermost ASGI app of the service.
        """
        return SecurityHeadersMiddleware(super().build_middleware_stack(), docs_paths=DOCS_PATHS)


_NATIVE_TELEMETRY_OFF: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}
"""FastAPI's built-in telemetry, switched off (see `create_app`)."""


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

    settings = definition.settings
    app = ServiceApp(
        title=definition.title,
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry layer: off, because `TracingMiddleware` makes the HTTP spans
        # and `RequestContextMiddleware` the latency metrics. Left on, it asked on every request
        # whether a provider was configured, and once tracing is configured it would record every
        # request twice.
        telemetry=_NATIVE_TELEMETRY_OFF,
    )
    app.state.rate_limits = _rate_limits(settings)
    app.state.token_cache = TokenCache()
    install_problem_handlers(app)
    _install_middleware(app, settings)
    # first: probes match before any other route is tried
    app.include_router(first_segment_filter(use_plain_routes(health_router())))
    install_docs(app)
    app.include_router(first_segment_filter(use_plain_routes(audit_router())))
    for router in definition.routers:
        app.include_router(first_segment_filter(use_plain_routes(router)))
    install_openapi(app)
    return filter_top_level_routes(app)


def _rate_limits(settings: ServiceSettings) -> RateLimits | None:
    if not settings.rate_limits_enabled:
        return None
    return RateLimits(writes=settings.rate_limit_writes, auth_failures=settings.rate_limit_auth_failures)


def _install_middleware(app: FastAPI, settings: ServiceSettings) -> None:
    """Added innermost first (Starlette puts each new one outside the previous)."""
    app.add_middleware(RetryDroppedConnectionMiddleware)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(
        BodyLimitMiddleware, default_limit=settings.max_body_bytes, overrides=settings.body_limit_overrides
    )
    lines = AccessLines(settings.access_log_read_sample, settings.access_log_slow_ms / 1000)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name, lines=lines)
    if configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint):
        app.add_middleware(TracingMiddleware, service=settings.service_name)  # absent when off
    if settings.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            max_age=600,
        )

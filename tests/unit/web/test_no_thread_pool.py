"""No registry route hands a request to FastAPI's thread pool: every endpoint and every dependency
it pulls in (auth, session, clock, idempotency key) is async. A plain `def` dependency costs a
thread hand-off and GIL switches on every request (the clock and the idempotency key did)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.registry.api import ROUTERS
from shared.audit.api import audit_router
from shared.web.deps import NowDep, SessionDep
from shared.web.idempotency import IdempotencyDep


def _is_async(call: Any) -> bool:
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else getattr(call, "__call__", call)  # noqa: B004
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def test_the_shared_dependencies_are_async() -> None:
    for alias in (NowDep, SessionDep, IdempotencyDep):
        depends = alias.__metadata__[0]
        assert _is_async(depends.dependency), depends.dependency


def test_no_registry_route_needs_the_thread_pool() -> None:
    routes = [r for router in (*ROUTERS, audit_router()) for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 20
    sync = [
        f"{route.path} {sorted(route.methods)}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in (route.endpoint, *_calls(route.dependant))
        if not _is_async(call)
    ]
    assert sync == []


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those as wrappers that hold the
    original router)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes)


SERVICES = {
    "registry": "RegistrySettings",
    "funding": "FundingSettings",
    "reporting": "ReportingSettings",
    "notification": "NotificationSettings",
}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_dependency_of_any_service_needs_the_thread_pool(service: str) -> None:
    """Endpoints may be plain `def` on purpose (a PDF or a spreadsheet is built off the loop);
    a dependency every request pulls in never should be."""
    settings = getattr(importlib.import_module(f"services.{service}.settings"), SERVICES[service])
    create = getattr(importlib.import_module(f"services.{service}.main"), f"create_{service}_app")
    app = create(settings(environment="test", database_url="sqlite:///:memory:"))
    routes = list(_api_routes(app.routes))
    assert len(routes) > 10
    sync = sorted(
        {
            f"{route.path}: {getattr(call, '__qualname__', call)}"
            for route in routes
            for call in _calls(route.dependant)
            if not _is_async(call)
        }
    )
    assert sync == []

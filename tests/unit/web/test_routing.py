"""`first_segment_filter`: a router refuses a path none of its routes can start with before trying
them, and routing answers exactly as before (the route, 404, 405, a root path)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from shared.web.routing import filter_top_level_routes, first_segment_filter


def _projects_router() -> APIRouter:
    router = APIRouter()

    @router.get("/projects/{project_id}")
    async def read_project(project_id: str) -> dict[str, str]:
        return {"project": project_id}

    @router.post("/projects/{project_id}/acceptance")
    async def accept(project_id: str) -> dict[str, str]:
        return {"accepted": project_id}

    return router


def _works_router() -> APIRouter:
    router = APIRouter(prefix="/pipeline-works")

    @router.post("/{work_id}/completion")
    async def complete(work_id: str) -> dict[str, str]:
        return {"completed": work_id}

    return router


def _app(routers: list[APIRouter]) -> FastAPI:
    app = FastAPI()
    for router in routers:
        app.include_router(router)
    return app


def _counting(router: APIRouter, tried: Counter[str]) -> APIRouter:
    """Count how often each of `router`'s routes is tried."""
    for route in router.routes:
        assert isinstance(route, APIRoute)
        original = route.matches

        def matches(scope: Any, original: Any = original, path: str = route.path) -> Any:
            tried[path] += 1
            return original(scope)

        route.matches = matches  # type: ignore[method-assign]
    return router


@pytest.mark.parametrize("filtered", [False, True])
def test_a_router_is_not_searched_for_a_path_it_cannot_hold(filtered: bool) -> None:
    tried: Counter[str] = Counter()
    projects = _counting(_projects_router(), tried)
    app = _app(
        [first_segment_filter(projects) if filtered else projects, first_segment_filter(_works_router())]
    )

    answer = TestClient(app).post("/pipeline-works/w-1/completion")

    assert answer.status_code == 200 and answer.json() == {"completed": "w-1"}
    assert sum(tried.values()) == (0 if filtered else 2)


def test_routing_answers_as_before_through_filtered_routers() -> None:
    client = TestClient(
        _app([first_segment_filter(_projects_router()), first_segment_filter(_works_router())])
    )

    assert client.get("/projects/p-1").json() == {"project": "p-1"}
    assert client.post("/projects/p-1/acceptance").json() == {"accepted": "p-1"}
    assert client.get("/pipeline-works/w-1/completion").status_code == 405
    assert client.delete("/projects/p-1").status_code == 405
    assert client.get("/communities").status_code == 404
    assert client.get("/").status_code == 404


def test_a_root_path_is_stripped_before_the_first_segment_is_read() -> None:
    client = TestClient(_app([first_segment_filter(_works_router())]), root_path="/registry")

    assert client.post("/registry/pipeline-works/w-2/completion").json() == {"completed": "w-2"}
    assert client.post("/pipeline-works/w-3/completion").json() == {"completed": "w-3"}


def test_a_router_with_a_parameter_first_is_left_as_it_is() -> None:
    router = APIRouter()

    @router.get("/{anything}")
    async def anything(anything: str) -> dict[str, str]:
        return {"anything": anything}

    matches = router.matches
    assert first_segment_filter(router).matches == matches
    assert TestClient(_app([router])).get("/whatever").json() == {"anything": "whatever"}


def test_an_empty_router_is_left_as_it_is() -> None:
    router = APIRouter()
    matches = router.matches
    assert first_segment_filter(router).matches == matches


def test_the_apps_own_routes_refuse_a_path_they_cannot_start_and_still_answer_their_own() -> None:
    app = FastAPI()  # FastAPI's own /openapi.json, /docs, /docs/oauth2-redirect and /redoc
    app.include_router(first_segment_filter(_projects_router()))
    tried: Counter[str] = Counter()
    for route in app.router.routes:
        if isinstance(route, APIRoute) or not hasattr(route, "original_router"):
            original = route.matches

            def counted(scope: Any, original: Any = original, path: str = route.path) -> Any:  # type: ignore[attr-defined]
                tried[path] += 1
                return original(scope)

            route.matches = counted  # type: ignore[method-assign]
    filter_top_level_routes(app)
    client = TestClient(app)

    assert client.get("/projects/p-1").json() == {"project": "p-1"}
    assert sum(tried.values()) == 0
    assert client.get("/openapi.json").json()["paths"].keys() == {
        "/projects/{project_id}",
        "/projects/{project_id}/acceptance",
    }
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 200
    assert client.post("/docs").status_code == 405
    assert client.get("/docsx").status_code == 404
    assert tried["/openapi.json"] == 1 and tried["/docs"] >= 2


def test_a_service_app_tries_no_top_level_route_before_a_feature_route() -> None:
    """Everything in front of the feature routers (the OpenAPI document, the probes, the docs
    pages and assets) refuses a feature's path by its first segment, without its own pattern."""
    from services.registry.main import create_registry_app
    from services.registry.settings import RegistrySettings

    app = create_registry_app(RegistrySettings(environment="test"))
    in_front = app.router.routes[:6]
    assert {getattr(r, "path", None) for r in in_front} >= {
        "/openapi.json",
        "/docs",
        "/redoc",
        "/docs/assets",
    }
    matchers = [getattr(route, "original_router", route).matches for route in in_front]  # a router's own
    assert [getattr(m, "__name__", "") for m in matchers] == ["filtered"] * 6

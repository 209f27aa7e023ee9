"""Routers that step aside at once for a path none of their routes can match.

Why: FastAPI (0.165) keeps each included router as a unit and tries them in order; each one
tries its routes one by one, with scope bookkeeping around every candidate. A request for a
route in the twelfth router paid for the forty routes before it (`POST
/pipeline-works/{id}/completion` behind eleven routers of `/projects/...` routes). A route can
only match a path whose first segment is the route's own first segment, so a router whose routes
all start with a literal segment answers "no match" from one set lookup when the path's first
segment is none of them. Matching among the remaining candidates is FastAPI's own, unchanged.

The app's own top-level routes (the OpenAPI document, the docs pages and their assets) sit in
front of the feature routers too; `filter_top_level_routes` gives each the same one-lookup
refusal, so a request for ``/projects/..`` no longer runs their patterns first.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from starlette._utils import get_route_path
from starlette.routing import Match, Mount, Route
from starlette.types import Scope

__all__ = ["filter_top_level_routes", "first_segment_filter"]


def first_segment_filter(router: APIRouter) -> APIRouter:
    """Make `router` refuse a path whose first segment starts none of its routes, before trying them.

    A router with a route whose first segment is a path parameter (or with no routes, or with a
    nested router) is returned as it is: any path could match it.

    Args:
        router: a feature's router, with all its routes already declared.

    Returns:
        The same router.
    """
    segments: set[str] = set()
    for route in router.routes:
        path = getattr(route, "path", None)
        first = _first_segment(path) if isinstance(path, str) else ""
        if not first or "{" in first:
            return router
        segments.add(first)
    if not segments:
        return router
    router.matches = _refusing(router.matches, segments)  # type: ignore[method-assign,assignment]
    return router


def filter_top_level_routes(app: FastAPI) -> FastAPI:
    """Make each route, mount and router the app holds directly refuse a path whose first
    segment it cannot start, before it runs its pattern. Call it after every router is included.

    Args:
        app: the service's app, complete.

    Returns:
        The same app.
    """
    for route in app.router.routes:
        path = getattr(route, "path", None)
        first = _first_segment(path) if isinstance(path, str) else ""
        if not first or "{" in first or not isinstance(route, (Route, Mount)):
            continue  # an included router: filtered by `first_segment_filter` before inclusion
        route.matches = _refusing(route.matches, {first})  # type: ignore[method-assign,assignment]
    return app


Matcher = Callable[[Scope], tuple[Match, Scope]]
"""A route's or router's `matches`."""


def _refusing(matches: Matcher, segments: set[str]) -> Matcher:
    """`matches`, answering "no match" at once for a path whose first segment is not in `segments`."""

    def filtered(scope: Scope) -> tuple[Match, Scope]:
        if _first_segment(get_route_path(scope)) not in segments:
            return Match.NONE, {}
        return matches(scope)

    return filtered


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]

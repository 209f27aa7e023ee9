"""Routes whose dependencies are solved by a plan made once, not by FastAPI's general solver.

Why: FastAPI (0.165) solves a route's dependencies anew on every request, and its solver asks
the same questions each time: for every dependency whether it is a generator, a coroutine or
neither, its cache key (with its OAuth scopes), a fresh `Response` for headers a route might set,
and four parameter sources (path, query, header, cookie) read even when the route declares none.
Sampled under load, an authenticated `GET /projects/{id}` spent about a third of its CPU there.
The answers never change after start-up, so `PlainRoute` asks them once, when the route's
handler is built, and keeps a plan: per dependency, its call, its kind, its cache key and only
the parameter sources it has. Each request then runs the plan.

What runs is FastAPI's own: each parameter is validated by `request_params_to_args` and a JSON
body by `request_body_to_args` (the same 422 errors), a generator dependency is entered by
FastAPI's `_solve_generator` (the same exit stacks, the same cleanup), the endpoint's answer is
serialised by `serialize_response`. The body is read as FastAPI's handler reads it
(`_read_body`: JSON by content type, the same errors for bad JSON and an oversized body). A
route the plan cannot stand in for keeps FastAPI's handler whole: one with a form body, a
`Response`, `BackgroundTasks`, `SecurityScopes` or WebSocket parameter anywhere in its tree, a
dependency with a concurrency limit, a synchronous endpoint, or a streamed answer. So does every
request while the app has dependency overrides (tests set them). `tests/unit/web/test_plain_routes.py`
holds both handlers to the same answers; a FastAPI upgrade that changes what the general
solver does shows there.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi._body_limit import get_body_limit_error
from fastapi._compat import Undefined
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import (
    Dependant,
    _get_cache_key,
    _is_async_gen_callable,
    _is_coroutine_callable,
    _is_gen_callable,
)
from fastapi.dependencies.utils import _solve_generator, request_body_to_args, request_params_to_args
from fastapi.exceptions import RequestValidationError
from fastapi.params import Form
from fastapi.routing import (
    APIRoute,
    _effective_route_context_var,
    _extract_endpoint_context,
    serialize_response,
)
from fastapi.utils import is_body_allowed_for_status_code
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

__all__ = ["PlainRoute", "use_plain_routes"]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_SOURCES: tuple[tuple[str, Callable[[Request], Mapping[str, Any]]], ...] = (
    ("path_params", lambda request: request.path_params),
    ("query_params", lambda request: request.query_params),
    ("header_params", lambda request: request.headers),
    ("cookie_params", lambda request: request.cookies),
)


@dataclass(frozen=True, slots=True)
class _Step:
    """One dependant (the endpoint or a dependency), with what FastAPI would ask of it answered."""

    dependant: Dependant
    subs: tuple[_Step, ...]
    params: tuple[tuple[list[Any], Callable[[Request], Mapping[str, Any]]], ...]
    body_fields: list[Any]
    cache_key: Any
    kind: str
    """"coroutine", "generator" or "thread" (a plain `def` dependency, run in the thread pool)."""


def _plan(dependant: Dependant, *, top: bool = True) -> _Step | None:
    """The plan for `dependant` and its dependencies, or None when FastAPI must solve them."""
    if (
        any(isinstance(body.field_info, Form) for body in dependant.body_params)
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.websocket_param_name
        or dependant.concurrency is not None
    ):
        return None
    subs = []
    for sub in dependant.dependencies:
        step = _plan(sub, top=False)
        if step is None:
            return None
        subs.append(step)
    if _is_gen_callable(dependant.call) or _is_async_gen_callable(dependant.call):
        kind = "generator"
    elif _is_coroutine_callable(dependant.call):
        kind = "coroutine"
    elif top:
        return None  # FastAPI runs a plain `def` endpoint in a thread, with its own bookkeeping
    else:
        kind = "thread"
    params = tuple((fields, source) for name, source in _SOURCES if (fields := getattr(dependant, name)))
    cache_key = None if top else _get_cache_key(dependant=dependant)
    return _Step(dependant, tuple(subs), params, dependant.body_params, cache_key, kind)


async def _solve(
    step: _Step, request: Request, cache: dict[Any, Any], body: Any, embed_body_fields: bool
) -> tuple[dict[str, Any], list[Any]]:
    """`solve_dependencies` along the plan: the same order, the same cache, the same errors."""
    values: dict[str, Any] = {}
    errors: list[Any] = []
    for sub in step.subs:
        sub_values, sub_errors = await _solve(sub, request, cache, body, embed_body_fields)
        if sub_errors:
            errors.extend(sub_errors)
            continue
        dependant = sub.dependant
        if dependant.use_cache and sub.cache_key in cache:
            solved = cache[sub.cache_key]
        elif sub.kind == "generator":
            # a function-scoped generator closes before the response is sent, others after it
            stack = request.scope[
                "fastapi_function_astack" if dependant.scope == "function" else "fastapi_inner_astack"
            ]
            solved = await _solve_generator(
                request=request, dependant=dependant, stack=stack, sub_values=sub_values
            )
        elif sub.kind == "coroutine":
            solved = await dependant.call(**sub_values)  # type: ignore[misc]
        else:
            solved = await run_in_threadpool(dependant.call, **sub_values)  # type: ignore[arg-type]
        if dependant.name is not None:
            values[dependant.name] = solved
        cache.setdefault(sub.cache_key, solved)
    for fields, source in step.params:
        found, problems = request_params_to_args(fields, source(request))
        values.update(found)
        errors += problems
    if step.body_fields:
        found, problems = await request_body_to_args(
            body_fields=step.body_fields, received_body=body, embed_body_fields=embed_body_fields
        )
        values.update(found)
        errors.extend(problems)
    dependant = step.dependant
    if dependant.http_connection_param_name:
        values[dependant.http_connection_param_name] = request
    if dependant.request_param_name:
        values[dependant.request_param_name] = request
    return values, errors


class PlainRoute(APIRoute):
    """An `APIRoute` whose handler runs a dependency plan (module docstring), where one can stand in."""

    def get_route_handler(self) -> Handler:
        """The request handler: the planned one, or FastAPI's when no plan can stand in.

        Returns:
            A coroutine function from a `Request` to its `Response`.
        """
        general = super().get_route_handler()
        route: Any = self
        context = _effective_route_context_var.get()
        if context is not None and context.original_route is self:
            route = context  # the route as included (its router's dependencies, response class)
        if route.stream_item_field is not None or route.is_json_stream:
            return general
        plan = _plan(route.dependant)
        if plan is None:
            return general
        return _planned_handler(route, plan, general)


def _planned_handler(route: Any, plan: _Step, general: Handler) -> Handler:
    """The handler for a planned route: FastAPI's request handler, minus the general solver."""
    endpoint = route.dependant.call
    overrides = route.dependency_overrides_provider
    response_field = route.response_field
    use_dump_json = response_field is not None and isinstance(route.response_class, DefaultPlaceholder)
    response_class = (
        route.response_class.value
        if isinstance(route.response_class, DefaultPlaceholder)
        else route.response_class
    )
    status_code = route.status_code
    has_body = route.body_field is not None
    embed_body_fields = route._embed_body_fields
    strict_content_type = route.strict_content_type
    if isinstance(strict_content_type, DefaultPlaceholder):
        strict_content_type = strict_content_type.value

    def _context(request: Request) -> Any:
        """What FastAPI's handler tells an error about the endpoint (only built for one)."""
        context = _extract_endpoint_context(endpoint)
        if route.dependant.path:
            context["path"] = (
                f"{request.method} {request.scope.get('root_path', '').rstrip('/')}{route.dependant.path}"
            )
        return context

    async def handler(request: Request) -> Response:
        if overrides is not None and getattr(overrides, "dependency_overrides", None):
            return await general(request)
        body = await _read_body(request, strict_content_type, _context) if has_body else Undefined
        values, errors = await _solve(plan, request, {}, body, embed_body_fields)
        if errors:
            raise RequestValidationError(
                errors, body=None if body is Undefined else body, endpoint_ctx=_context(request)
            )
        raw = await endpoint(**values)
        if isinstance(raw, Response):
            return raw
        content = await serialize_response(
            field=response_field,
            response_content=raw,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            is_coroutine=True,
            endpoint_ctx=_context(request),
            dump_json=use_dump_json,
        )
        args: dict[str, Any] = {} if status_code is None else {"status_code": status_code}
        if use_dump_json:
            response = Response(content=content, media_type="application/json", **args)
        else:
            response = response_class(content, **args)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        return response

    return handler


async def _read_body(request: Request, strict_content_type: bool, context: Callable[[Request], Any]) -> Any:
    """The request's body as FastAPI's handler reads it for a JSON body field: parsed JSON when
    the content type says JSON (or says nothing and the route is not strict about it), else the
    raw bytes (for the body field to refuse); Undefined when empty. Bad JSON is a 422
    ``json_invalid``, a body over the route's limit FastAPI's 413, anything else a 400."""
    try:
        body_bytes = await request.body()
        if not body_bytes:
            return Undefined
        content_type = request.headers.get("content-type")
        if not content_type:
            return await request.json() if not strict_content_type else body_bytes
        message = email.message.Message()
        message["content-type"] = content_type
        if message.get_content_maintype() == "application":
            subtype = message.get_content_subtype()
            if subtype == "json" or subtype.endswith("+json"):
                return await request.json()
        return body_bytes
    except json.JSONDecodeError as e:
        problem = {"type": "json_invalid", "loc": ("body", e.pos), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError(
            [{**problem, "ctx": {"error": e.msg}}], body=e.doc, endpoint_ctx=context(request)
        ) from e
    except HTTPException:
        raise
    except Exception as e:
        if MAX_BODY_SIZE_SCOPE_KEY in request.scope and (error := get_body_limit_error(e)):
            raise error from e
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from e


def use_plain_routes(router: Any) -> Any:
    """Make every plain `APIRoute` of `router` a `PlainRoute`, before the router is included.

    The handler of an included route is built when its router is included (FastAPI 0.165 builds
    one per inclusion), from the route's class; a feature's router is declared with FastAPI's
    `APIRouter` as the documentation shows, and the app makes its routes planned here, in one
    place, instead of in every feature module.

    Args:
        router: a feature's `APIRouter`, with all its routes declared, not yet included.

    Returns:
        The same router.
    """
    for route in router.routes:
        if type(route) is APIRoute:
            route.__class__ = PlainRoute  # no state of its own: only its handler differs
    return router

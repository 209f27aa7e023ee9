"""RFC 9457 problem details for every error a client can cause, and a safe 500 for the rest.

Validation problems list each field with the rule it broke:
    {"type": ".../problems/validation", "title": "...", "status": 422, "detail": "...",
     "instance": "/projects", "errors": [{"field": "investment_fen", "rule": "greater_than_equal",
     "message": "..."}]}

An unknown body field is named with the rule `extra_forbidden`; a body that is not JSON at all is
named `body` with the rule `json_invalid` (never a byte offset posing as a field).

Language: `title`, `detail` and each error's `message` follow the request's `Accept-Language`
(`shared.i18n`): Simplified Chinese by default (no header, `*`, or no supported language), English
for `Accept-Language: en`. `type`, `status`, `field` and `rule` never change with the language;
the response says which it chose in `Content-Language` and varies on `Accept-Language`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from shared.bus.failures import FailureKind, classify
from shared.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidState,
    NotFound,
    RuleViolation,
    Unauthenticated,
)
from shared.i18n import DEFAULT_LANGUAGE, negotiate, problem_detail, problem_title, rule_message
from shared.web.rate_limit import TooManyRequests

__all__ = [
    "MEDIA_TYPE",
    "PROBLEM_BASE",
    "PROBLEM_KINDS",
    "ProblemKind",
    "OUTAGE_PROBLEM",
    "OUTAGE_RETRY_AFTER_S",
    "install_problem_handlers",
    "outage",
    "problem_kind",
    "send_problem",
]

OUTAGE_RETRY_AFTER_S = 5
"""The `Retry-After` of a 503 answered while the database or broker is away."""
OUTAGE_PROBLEM: dict[str, Any] = {
    "status": 503,
    "problem_type": "service-unavailable",
    "title": "Service unavailable",
    "detail": "The service cannot reach its database or message broker just now; nothing was "
    "written. Retry later (a command with the same Idempotency-Key).",
    "headers": {"Retry-After": str(OUTAGE_RETRY_AFTER_S)},
}
"""The problem answered when `outage` says the request failed for the infrastructure, by the
error middleware and by the app's own handler alike (the keywords of `send_problem`)."""


def outage(error: BaseException) -> bool:
    """Whether a request failed because the database or broker is away (lost or refused
    connections, operational errors, pool timeouts), not through a fault of its own: answered 503
    with `Retry-After`, not 500. The same judgement as the consumer's (`shared.bus.failures`).

    Args:
        error: what the request raised.

    Returns:
        True for an infrastructure failure; a file or OS error other than a connection's or a
        timeout (a missing font for a PDF) stays a 500.
    """
    if isinstance(error, OSError) and not isinstance(error, (ConnectionError, TimeoutError)):
        return False
    return classify(error) is FailureKind.INFRASTRUCTURE


PROBLEM_BASE = "https://renovation.city.example/problems/"
MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemKind:
    """How one class of domain error is rendered: status, stable type slug, title."""

    status: int
    type: str
    title: str


# Most specific first: the first class an error is an instance of decides its rendering.
PROBLEM_KINDS: tuple[tuple[type[DomainError], ProblemKind], ...] = (
    (Unauthenticated, ProblemKind(401, "unauthenticated", "Unauthenticated")),
    (Forbidden, ProblemKind(403, "forbidden", "Forbidden")),
    (NotFound, ProblemKind(404, "not-found", "Not found")),
    (Conflict, ProblemKind(409, "conflict", "Conflict")),
    (RuleViolation, ProblemKind(422, "rule-violation", "Domain rule violated")),
)
_FALLBACK = ProblemKind(400, "bad-request", "Bad request")
# HTTP errors raised by the framework or middleware that have a stable slug of their own.
_HTTP_KINDS = {413: ("content-too-large", "Content too large")}


def problem_kind(error: DomainError) -> ProblemKind:
    """The status, type and title a domain error is answered with.

    Args:
        error: any DomainError.

    Returns:
        The kind of its most specific mapped class; 400 bad-request for an unmapped subclass.
    """
    for cls, kind in PROBLEM_KINDS:
        if isinstance(error, cls):
            return kind
    return _FALLBACK


def _problem_body(
    *,
    status: int,
    problem_type: str,
    title: str,
    detail: str,
    instance: str,
    errors: list[FieldProblem] | None = None,
    extensions: dict[str, Any] | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """One problem document; `extensions` are extra members (RFC 9457 section 3.2).

    `title`, `detail` and the errors' messages are given in English by the caller and rendered in
    `language` ("zh-CN" or "en") from the catalogue in `shared.i18n`.
    """
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem_type,
        "title": problem_title(problem_type, language, title),
        "status": status,
        "detail": problem_detail(problem_type, language, detail),
        "instance": instance,
    }
    if errors:
        body["errors"] = [
            {"field": e.field, "rule": e.rule, "message": rule_message(e.rule, language, e.message)}
            for e in errors
        ]
    if extensions:
        body.update(extensions)
    return body


def _problem_response(
    request: Request,
    *,
    status: int,
    problem_type: str,
    title: str,
    detail: str,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    """Render one problem document as the response to `request`, in the caller's language."""
    language = negotiate(request.headers.get("accept-language"))
    body = _problem_body(
        status=status,
        problem_type=problem_type,
        title=title,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        extensions=extensions,
        language=language,
    )
    return JSONResponse(
        body, status_code=status, media_type=MEDIA_TYPE, headers=_language_headers(language, headers)
    )


def _language_headers(language: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    """`headers` plus the chosen `Content-Language` and `Vary: Accept-Language` (caches must not
    hand one caller's language to another)."""
    return {**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"}


async def send_problem(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    status: int,
    problem_type: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer from ASGI middleware, before (or instead of) the app: same document, no Request.

    The language follows the scope's `Accept-Language` header, as for a problem the app answers.

    Args:
        scope: the ASGI connection scope (its path is the problem's `instance`).
        receive: the ASGI receive channel.
        send: the ASGI send channel the response goes out on.
        status: the HTTP status.
        problem_type: the stable type slug, e.g. ``content-too-large``.
        title: the problem's title, in English (translated from `shared.i18n`).
        detail: what went wrong, in English (translated from `shared.i18n`).
        headers: extra response headers, e.g. ``Retry-After``.
    """
    accept = next(
        (value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"accept-language"),
        None,
    )
    language = negotiate(accept)
    body = _problem_body(
        status=status,
        problem_type=problem_type,
        title=title,
        detail=detail,
        instance=scope.get("path", ""),
        language=language,
    )
    response = JSONResponse(
        body, status_code=status, media_type=MEDIA_TYPE, headers=_language_headers(language, headers)
    )
    await response(scope, receive, send)


def _field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    """Pydantic errors as (field, rule, message); the location drops the `body`/`query` prefix."""
    problems = []
    for err in exc.errors():
        rule = err.get("type", "invalid")
        if rule == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "")
            problems.append(FieldProblem("body", rule, f"The request body is not valid JSON: {reason}"))
            continue
        loc = [str(part) for part in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header"}:
            loc = loc[1:] or loc
        field = ".".join(loc) or "body"
        message = err.get("msg", "")
        if rule == "extra_forbidden":
            message = f"Unknown field '{field}': this request has no such field (check its spelling)."
        problems.append(FieldProblem(field, rule, message))
    return problems


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette's 405 names only the first route's)."""
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    ]
    return ", ".join(allowed)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error response a problem document; nothing leaks a stack trace.

    Registers handlers for request validation, `DomainError`, `TooManyRequests`, Starlette's HTTP
    errors and, last, any other exception (a 500 that says nothing was written; the error is
    logged once, by `shared.web.middleware.UnexpectedErrorMiddleware` or else by the server).

    Args:
        app: the service's app.
    """

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _problem_response(
            request,
            status=422,
            problem_type="validation",
            title="Request validation failed",
            detail="One or more fields are invalid.",
            errors=_field_problems(exc),
        )

    @app.exception_handler(DomainError)
    async def _problem(request: Request, exc: DomainError) -> JSONResponse:
        kind = problem_kind(exc)
        extensions = (
            {"current_state": exc.current, "allowed_actions": exc.allowed}
            if isinstance(exc, InvalidState)
            else None
        )
        return _problem_response(
            request,
            status=kind.status,
            problem_type=kind.type,
            title=kind.title,
            detail=exc.detail,
            errors=exc.errors,
            headers={"WWW-Authenticate": "Bearer"} if kind.status == 401 else None,
            extensions=extensions,
        )

    @app.exception_handler(TooManyRequests)
    async def _too_many(request: Request, exc: TooManyRequests) -> JSONResponse:
        return _problem_response(
            request,
            status=429,
            problem_type="too-many-requests",
            title="Too many requests",
            detail=exc.detail,
            headers={"Retry-After": str(exc.retry_after_s)},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # FastAPI's answer to a body that is not text (e.g. invalid UTF-8): name it like bad JSON
            return _problem_response(
                request,
                status=422,
                problem_type="validation",
                title="Request validation failed",
                detail="The request body is not valid JSON.",
                errors=[
                    FieldProblem(
                        "body", "json_invalid", f"The request body is not valid JSON: {exc.__cause__}"
                    )
                ],
            )
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        problem_type, title = _HTTP_KINDS.get(
            exc.status_code,
            (f"http-{exc.status_code}", str(exc.detail) if isinstance(exc.detail, str) else "HTTP error"),
        )
        return _problem_response(
            request,
            status=exc.status_code,
            problem_type=problem_type,
            title=title,
            detail=str(exc.detail),
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only errors raised outside `UnexpectedErrorMiddleware` (which logs the rest once) get
        # here. Starlette re-raises after this answer and the server logs it then: not logged here,
        # so it is logged once.
        if outage(exc):
            return _problem_response(request, **OUTAGE_PROBLEM)
        return _problem_response(
            request,
            status=500,
            problem_type="internal",
            title="Internal error",
            detail="The request failed; it has been logged. Nothing was written.",
        )

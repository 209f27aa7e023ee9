"""RFC 9457 problem details for every error a client can cause, and a safe 500 for the rest.

Validation problems list each field with the rule it broke:
    {"type": ".../problems/validation", "title": "...", "status": 422, "detail": "...",
     "instance": "/projects", "errors": [{"field": "investment_fen", "rule": "greater_than_equal",
     "message": "..."}]}
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import FieldProblem, ProblemError

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://renovation.city.example/problems/"
MEDIA_TYPE = "application/problem+json"


def problem_response(
    request: Request,
    *,
    status: int,
    problem_type: str,
    title: str,
    detail: str,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Render one problem document."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem_type,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def field_problems(exc: RequestValidationError) -> list[FieldProblem]:
    """Pydantic errors as (field, rule, message); the location drops the `body`/`query` prefix."""
    problems = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path", "header"}:
            loc = loc[1:] or loc
        problems.append(FieldProblem(".".join(loc) or "body", err.get("type", "invalid"), err.get("msg", "")))
    return problems


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error response a problem document; nothing leaks a stack trace."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            request,
            status=422,
            problem_type="validation",
            title="Request validation failed",
            detail="One or more fields are invalid.",
            errors=field_problems(exc),
        )

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status,
            problem_type=exc.problem_type,
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
            headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status_code,
            problem_type=f"http-{exc.status_code}",
            title=str(exc.detail) if isinstance(exc.detail, str) else "HTTP error",
            detail=str(exc.detail),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            status=500,
            problem_type="internal",
            title="Internal error",
            detail="The request failed; it has been logged. Nothing was written.",
        )

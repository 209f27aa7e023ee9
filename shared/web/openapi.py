"""The OpenAPI document: every operation lists the problems it can answer, not only its success.

Added generically when the document is built, so no route repeats them: authenticated operations
document 401, 403, 404, 409, 413, 422 and 429; any other operation with parameters or a body
documents 422 (and 413 for a body). Each is `application/problem+json` with the `ProblemDetails`
schema; FastAPI's own 422 schema (`HTTPValidationError`), which the API never sends, is replaced.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from shared.web.problems import MEDIA_TYPE

__all__ = ["FieldProblem", "ProblemDetails", "install_openapi", "problem_responses"]

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
WRITE_METHODS = {"put", "post", "delete", "patch"}


class FieldProblem(BaseModel):
    """One field that broke one rule."""

    model_config = ConfigDict(title="FieldProblem")

    field: str = Field(description="Dotted path into the body, a parameter name, or `body`.")
    rule: str = Field(description="Stable rule code, e.g. `extra_forbidden`, `lifecycle_order`.")
    message: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(title="ProblemDetails", extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldProblem] | None = Field(default=None, description="Each field and rule.")
    current_state: str | None = Field(default=None, description="For a state conflict: the state now.")
    allowed_actions: list[str] | None = Field(default=None, description="For a state conflict: what may.")


_PROBLEMS: dict[int, tuple[str, dict[str, Any]]] = {
    401: ("No valid bearer token.", {"WWW-Authenticate": {"schema": {"type": "string"}}}),
    403: ("The token lacks the right (scope or tenant) for this.", {}),
    404: ("No such record, or not one this caller may see.", {}),
    409: ("The request conflicts with the stored state (or reuses an idempotency key).", {}),
    413: ("The request body is larger than the limit.", {}),
    422: ("A field or rule refuses the request; each field is named with its rule.", {}),
    429: (
        "Too many writes by this organisation or failed authentications from this address.",
        {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    ),
}
AUTHENTICATED = (401, 403, 404, 409, 413, 422, 429)


def problem_responses(statuses: tuple[int, ...]) -> dict[str, Any]:
    """OpenAPI `responses` entries for these statuses.

    Args:
        statuses: HTTP statuses among 401, 403, 404, 409, 413, 422 and 429.

    Returns:
        Each status (as a string key) mapped to a response whose body is a `ProblemDetails`.

    Raises:
        KeyError: a status that has no problem description.
    """
    responses: dict[str, Any] = {}
    for status in statuses:
        description, headers = _PROBLEMS[status]
        entry: dict[str, Any] = {
            "description": description,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
        if headers:
            entry["headers"] = headers
        responses[str(status)] = entry
    return responses


def _document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the problem responses and their schemas to a built OpenAPI document (in place)."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in (FieldProblem, ProblemDetails):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        model_schema.pop("$defs", None)
        schemas[model.model_config["title"]] = model_schema  # type: ignore[index]
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's HTTPValidationError; the API sends a problem
            if operation.get("security"):
                statuses = AUTHENTICATED
            else:
                has_body = "requestBody" in operation
                has_input = has_body or bool(operation.get("parameters"))
                statuses = (*((413,) if has_body else ()), *((422,) if has_input else ()))
            for status, entry in problem_responses(statuses).items():
                responses.setdefault(status, entry)
    schemas.pop("HTTPValidationError", None)
    if '"#/components/schemas/ValidationError"' not in json.dumps(schema):
        schemas.pop("ValidationError", None)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Build the app's document once, on first request, with the problems documented.

    Call it after every router is included: the document is built from `app.routes`.

    Args:
        app: the service's app; its `openapi` method is replaced.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = _document_problems(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

"""The platform's exception hierarchy, and how each maps to HTTP and to the bus.

PlatformError
├── ProblemError              an HTTP-facing error rendered as RFC 9457 problem details
│   ├── Unauthenticated       401: no valid bearer token
│   ├── Forbidden             403: a valid token without the right
│   ├── NotFoundError         404: no such record (or not yours: ids cannot be probed)
│   ├── ConflictError         409: the record's state forbids the command
│   └── RuleViolation         422: a domain rule refuses the input
└── HandlerError              raised by event handlers; decides retry versus dead-letter
    ├── RetryableError        transient (database busy, peer down): retry with backoff
    └── PermanentError        will never succeed (bad payload, broken invariant): dead-letter now
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PlatformError(Exception):
    """Base of every error the platform raises on purpose."""


@dataclass(frozen=True)
class FieldProblem:
    """One field that broke one rule; `field` is a dotted path into the request body."""

    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


@dataclass
class ProblemError(PlatformError):
    """An error a client caused; the API renders it as `application/problem+json`."""

    detail: str
    errors: list[FieldProblem] = field(default_factory=list)
    status: int = 400
    problem_type: str = "bad-request"
    title: str = "Bad request"

    def __str__(self) -> str:
        return self.detail


class Unauthenticated(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, status=401, problem_type="unauthenticated", title="Unauthenticated")


class Forbidden(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, status=403, problem_type="forbidden", title="Forbidden")


class NotFoundError(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, status=404, problem_type="not-found", title="Not found")


class ConflictError(ProblemError):
    def __init__(self, detail: str, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(detail, errors or [], status=409, problem_type="conflict", title="Conflict")


class RuleViolation(ProblemError):
    def __init__(self, detail: str, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(
            detail,
            errors or [],
            status=422,
            problem_type="rule-violation",
            title="Domain rule violated",
        )


class HandlerError(PlatformError):
    """Raised by an event handler; the consumer decides what happens next by subclass."""


class RetryableError(HandlerError):
    """Transient failure: the consumer retries with backoff, then dead-letters."""


class PermanentError(HandlerError):
    """The event can never be handled: the consumer dead-letters it without retrying."""

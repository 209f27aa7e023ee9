"""The domain's exception hierarchy. Nothing here knows HTTP or Kafka.

DomainError
├── Unauthenticated       the caller could not be identified (no or invalid credentials)
├── Forbidden             the caller is known but may not do this
├── NotFound              no such record, or not one the caller may see (ids cannot be probed)
├── Conflict              the command clashes with what is stored (a duplicate, a reused key)
│   └── InvalidState      the record's state does not allow the command; says what is allowed
└── RuleViolation         a domain rule refuses the input; names each field and rule

The web layer (`shared.web.problems`) maps each class to an RFC 9457 problem and a status; the
consumer (`shared.bus.consumer`) treats a DomainError raised by an event handler as permanent
(retrying will not change the answer) and dead-letters the event with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Conflict",
    "ConflictError",
    "DomainError",
    "FieldProblem",
    "Forbidden",
    "InvalidState",
    "NotFound",
    "NotFoundError",
    "RuleViolation",
    "Unauthenticated",
]


@dataclass(frozen=True)
class FieldProblem:
    """One field that broke one rule.

    Attributes:
        field: dotted path into the request body (or query parameter name).
        rule: a stable, machine-readable rule code, e.g. ``lifecycle_order``.
        message: a human explanation of what would satisfy the rule.
    """

    field: str
    rule: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The problem as the JSON object a problem response lists under ``errors``."""
        return {"field": self.field, "rule": self.rule, "message": self.message}


class DomainError(Exception):
    """Base of every error the domain raises on purpose.

    Args:
        detail: one sentence saying what went wrong, for a person.
        errors: the fields and rules involved, for a machine (may be empty).
    """

    def __init__(self, detail: str, errors: Sequence[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[FieldProblem] = list(errors or [])

    def __str__(self) -> str:
        return self.detail


class Unauthenticated(DomainError):
    """No valid credentials: missing, expired, malformed or foreign-signed token."""


class Forbidden(DomainError):
    """A known caller without the right to do this."""


class NotFound(DomainError):
    """No such record, or another tenant's record (reported the same, so ids cannot be probed)."""


class Conflict(DomainError):
    """The command clashes with stored state: a duplicate, or an idempotency key reused."""


class InvalidState(Conflict):
    """The record's current state does not allow this command.

    Args:
        detail: what was attempted and why it is refused.
        current: the record's current state (e.g. the project's lifecycle step).
        allowed: the actions allowed now, so a client can recover without guessing.
        errors: field problems, as for every DomainError.
    """

    def __init__(
        self,
        detail: str,
        *,
        current: str,
        allowed: Sequence[str],
        errors: Sequence[FieldProblem] | None = None,
    ) -> None:
        super().__init__(detail, errors)
        self.current = current
        self.allowed = list(allowed)


class RuleViolation(DomainError):
    """A domain rule refuses the input (eligibility, thresholds, amounts, dates)."""


# Older names, kept so callers read naturally either way.
NotFoundError = NotFound
ConflictError = Conflict

"""Payload minimisation: which payload fields each role receives (data: `projections.yaml`).

Why one function: every channel that carries an event to an organisation (webhook, e-mail, inbox,
pull feed) asks `project_payload`, so no channel can tell a department more than its role needs.
Which role an organisation has is decided by its caller (notification maps a subscriber to one).
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import PrivateAttr, ValidationError, model_validator

from shared.policy.errors import DataFileError
from shared.policy.models.base import Frozen
from shared.policy.yamlfile import problems, read_mapping

__all__ = [
    "PROJECTIONS_FILE",
    "ProjectionError",
    "Projections",
    "bundled_projections",
    "load_projections",
    "project_payload",
]

PROJECTIONS_FILE = Path(__file__).resolve().parent / "projections.yaml"
"""The bundled projections."""

ALL = "all"


class ProjectionError(DataFileError):
    """The projections file is unreadable or invalid."""


class Projections(Frozen):
    """Field classes (names or glob patterns) and the classes each role receives ("all": every field)."""

    classes: dict[str, tuple[str, ...]]
    roles: dict[str, Literal["all"] | tuple[str, ...]]
    _seen: dict[str, str | None] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _known_classes(self) -> Projections:
        for role, granted in self.roles.items():
            if granted == ALL:
                continue
            unknown = sorted(set(granted) - set(self.classes))
            if unknown:
                raise ValueError(f"roles.{role}: unknown classes {unknown}")
        return self

    def class_of(self, field: str) -> str | None:
        """The first class naming `field` (exact names before patterns), or None.

        Args:
            field: a payload key.

        Returns:
            The class name, or None when no class names the field.
        """
        if field not in self._seen:
            self._seen[field] = self._classify(field)
        return self._seen[field]

    def _classify(self, field: str) -> str | None:
        for name, fields in self.classes.items():
            if field in fields:
                return name
        for name, fields in self.classes.items():
            if any(fnmatchcase(field, pattern) for pattern in fields if "*" in pattern):
                return name
        return None


def load_projections(path: Path | None = None) -> Projections:
    """Read and validate a projections file.

    Args:
        path: the YAML file; None for the bundled `PROJECTIONS_FILE`.

    Returns:
        The validated projections.

    Raises:
        ProjectionError: the file is unreadable or breaks a rule.
    """
    source = PROJECTIONS_FILE if path is None else Path(path)
    data = read_mapping(source, ProjectionError)
    try:
        return Projections.model_validate(data)
    except ValidationError as exc:
        raise ProjectionError(source, problems(exc)) from exc


@cache
def bundled_projections() -> Projections:
    """The bundled projections, read once.

    Returns:
        The validated projections of `PROJECTIONS_FILE`.
    """
    return load_projections()


def _nested(
    value: Any, projections: Projections, denied: frozenset[str], own_items: frozenset[str] | None
) -> Any:
    if isinstance(value, Mapping):
        return {
            key: _nested(item, projections, denied, own_items)
            for key, item in value.items()
            if projections.class_of(str(key)) not in denied
        }
    if isinstance(value, list):
        kept = value
        if own_items is not None:
            kept = [
                item
                for item in value
                if not (isinstance(item, Mapping) and "item_code" in item)
                or str(item["item_code"]) in own_items
            ]
        return [_nested(item, projections, denied, own_items) for item in kept]
    return value


def project_payload(
    role: str,
    data: Mapping[str, Any],
    *,
    own_items: frozenset[str] | None = None,
    own_code: str | None = None,
    projections: Projections | None = None,
) -> dict[str, Any]:
    """The payload as `role` receives it.

    Args:
        role: a role of the projections file (office, district, street_office, department,
            money_department, utility).
        data: the event's payload as JSON.
        own_items: for a utility, the catalogue items that are its work (codes and numbers as
            strings): entries of lists that name another `item_code` are removed.
        own_code: for a utility, its code: lists of utility codes are cut down to it.
        projections: the projections to apply; None for the bundled ones.

    Returns:
        A new payload holding only what the role receives.

    Raises:
        KeyError: the role is not in the projections (fail closed: the caller sends nothing).
    """
    rules = projections or bundled_projections()
    granted = rules.roles[role]
    if granted == ALL:
        return dict(data)
    denied = frozenset(set(rules.classes) - set(granted))
    result: dict[str, Any] = {}
    for key, value in data.items():
        kind = rules.class_of(key)
        if kind is None or kind in denied:
            continue
        if (
            own_code is not None
            and key in ("assigned_utilities", "utility_codes")
            and isinstance(value, list)
        ):
            value = [code for code in value if code == own_code]
        result[key] = _nested(value, rules, denied, own_items)
    return result

"""Read a YAML data file and explain validation errors as (field path, rule) pairs.

Shared by the profile loader and the organisation directory so both name the file, the field
and the broken rule the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shared.policy.errors import DataFileError

__all__ = ["problems", "read_mapping"]

_RELATIVE = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.*)$", re.DOTALL)


# The C loader (libyaml) is several times faster; the profiles are read at start-up and by tests.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that refuses duplicate mapping keys, which PyYAML would silently overwrite."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_mapping(path: Path, error: type[DataFileError]) -> dict[str, Any]:
    """Parse `path` as a YAML mapping; any failure raises `error` naming the file.

    Args:
        path: the YAML file (UTF-8).
        error: the DataFileError subclass to raise, so the caller's own error type names the file.

    Returns:
        The top-level mapping, as plain Python data.

    Raises:
        DataFileError: (the given subclass) the file cannot be read or decoded, is not YAML, repeats a key
            in a mapping, or does not hold a mapping at the top level.
    """
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise error(path, [("", f"YAML syntax error: {' '.join(str(exc).split())}")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(path, [("", f"cannot read file: {exc}")]) from exc
    if not isinstance(data, dict):
        raise error(path, [("", "the file must hold a YAML mapping at the top level")])
    return data


def problems(exc: ValidationError) -> list[tuple[str, str]]:
    """One (field path, rule) per pydantic error, e.g. ("catalogue.items[3].number", "...").

    Args:
        exc: a pydantic validation error from a data file's model.

    Returns:
        One (field path, rule) pair per error, the path in dotted and indexed form, the rule in words a
        data-file author can act on.
    """
    return [_describe(error) for error in exc.errors()]


def _describe(error: Any) -> tuple[str, str]:
    field = _path(error["loc"])
    rule: str = error["msg"]
    kind = error["type"]
    if kind == "value_error":
        rule = rule.removeprefix("Value error, ")
        match = _RELATIVE.match(rule)
        if match:  # our validators prefix the rule with the path below the model they check
            relative, rule = match.groups()
            field = f"{field}.{relative}" if field else relative
    elif kind == "missing":
        rule = "required field is missing"
    elif kind == "extra_forbidden":
        rule = "unknown field (not part of the schema; check the spelling)"
    else:
        got = repr(error.get("input"))
        rule = f"{rule} (got {got if len(got) <= 60 else got[:57] + '...'})"
    return field, rule


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out

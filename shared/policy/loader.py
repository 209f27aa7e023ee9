"""Read profile YAML files into validated `ProgrammeProfile`s.

A new programme is a new `<code>.yaml` in the profiles directory: no code change. Every failure
becomes a `ProfileError` naming the file, the field path and the rule, because the people who
write these files are checking a plan, not reading pydantic tracebacks.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shared.policy.errors import ProfileError, UnknownProgrammeError
from shared.policy.models.profile import ProgrammeProfile

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"

_RELATIVE = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.*)$", re.DOTALL)


class _UniqueKeyLoader(yaml.SafeLoader):
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


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def load_profile(path: Path) -> ProgrammeProfile:
    """Load and validate one profile file; its code must equal the file name's stem."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise ProfileError(path, [("", f"YAML syntax error: {_one_line(exc)}")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(path, [("", f"cannot read file: {exc}")]) from exc
    if not isinstance(data, dict):
        raise ProfileError(path, [("", "a profile must be a YAML mapping at the top level")])
    try:
        profile = ProgrammeProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(path, [_describe(error) for error in exc.errors()]) from exc
    if profile.code != path.stem:
        raise ProfileError(
            path, [("code", f"code {profile.code!r} must equal the file name {path.stem!r}")]
        )
    return profile


def load_profiles(directory: Path | None = None) -> dict[str, ProgrammeProfile]:
    """Load every `*.yaml` in `directory` (default: the bundled profiles), keyed by code."""
    directory = PROFILES_DIR if directory is None else Path(directory)
    if not directory.is_dir():
        raise ProfileError(directory, [("", "profiles directory does not exist")])
    return {
        profile.code: profile
        for profile in (load_profile(path) for path in sorted(directory.glob("*.yaml")))
    }


@cache
def _bundled() -> dict[str, ProgrammeProfile]:
    return load_profiles()


def get_profile(code: str) -> ProgrammeProfile:
    """The bundled profile with this code (loaded once); `UnknownProgrammeError` otherwise."""
    profiles = _bundled()
    try:
        return profiles[code]
    except KeyError:
        known = ", ".join(sorted(profiles))
        raise UnknownProgrammeError(f"unknown programme {code!r} (known: {known})") from None


def bundled_profiles() -> dict[str, ProgrammeProfile]:
    """All bundled profiles (cached); a copy, so callers cannot change the cache."""
    return dict(_bundled())


def _describe(error: Any) -> tuple[str, str]:
    """(field path, rule) for one pydantic error, joining our validators' relative paths."""
    field = _path(error["loc"])
    rule: str = error["msg"]
    if error["type"] == "value_error":
        rule = rule.removeprefix("Value error, ")
        match = _RELATIVE.match(rule)
        if match:
            relative, rule = match.groups()
            field = f"{field}.{relative}" if field else relative
    elif error["type"] == "missing":
        rule = "required field is missing"
    elif error["type"] == "extra_forbidden":
        rule = "unknown field (not part of a programme profile)"
    if error["type"] not in ("missing", "value_error") and "input" in error:
        rule = f"{rule} (got {error['input']!r})"
    return field, rule


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _one_line(exc: yaml.YAMLError) -> str:
    return " ".join(str(exc).split())

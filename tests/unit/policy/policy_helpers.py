"""Helpers for the policy tests: write a (mutated) bundled profile to a temp dir and load it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from shared.policy import PROFILES_DIR, ProgrammeProfile, load_profile


def bundled_data(code: str) -> dict[str, Any]:
    """The raw YAML mapping of a bundled profile, for tests to mutate."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((PROFILES_DIR / f"{code}.yaml").read_text(encoding="utf-8"), Loader=loader)  # noqa: S506


def write_profile(directory: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = directory / f"{name or data['code']}.yaml"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text = yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def mutated(directory: Path, code: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """Write bundled profile `code` after `change(data)` to `directory`; return the path."""
    data = copy.deepcopy(bundled_data(code))
    change(data)
    return write_profile(directory, data, name=code)


def load_mutated(directory: Path, code: str, change: Callable[[dict[str, Any]], None]) -> ProgrammeProfile:
    return load_profile(mutated(directory, code, change))

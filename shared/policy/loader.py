"""Read profile YAML files into validated `ProgrammeProfile`s.

A new programme is a new `<code>.yaml` in the profiles directory: no code change. Every failure
becomes a `ProfileError` naming the file, the field path and the rule, because the people who
write these files are checking a plan, not reading pydantic tracebacks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from shared.policy.errors import ProfileError, UnknownProgrammeError
from shared.policy.models.profile import ProgrammeProfile
from shared.policy.yamlfile import problems, read_mapping

__all__ = ["PROFILES_DIR", "bundled_profiles", "get_profile", "load_profile", "load_profiles"]

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
"""The bundled profiles, one ``<code>.yaml`` per programme."""


def load_profile(path: Path) -> ProgrammeProfile:
    """Load and validate one profile file; its code must equal the file name's stem.

    Args:
        path: the profile's YAML file, named ``<code>.yaml``.

    Returns:
        The validated, frozen profile.

    Raises:
        ProfileError: unreadable YAML, a broken rule, or a code that is not the file's name.
    """
    path = Path(path)
    data = read_mapping(path, ProfileError)
    try:
        profile = ProgrammeProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(path, problems(exc)) from exc
    if profile.code != path.stem:
        raise ProfileError(path, [("code", f"code {profile.code!r} must equal the file name {path.stem!r}")])
    return profile


def load_profiles(directory: Path | None = None) -> dict[str, ProgrammeProfile]:
    """Load every `*.yaml` in `directory` (default: the bundled profiles), keyed by code.

    Args:
        directory: a folder of profile files; None for the bundled `PROFILES_DIR`.

    Returns:
        Code → profile, in file-name order (empty for a folder without YAML files).

    Raises:
        ProfileError: the directory is missing or any file in it is invalid.
    """
    directory = PROFILES_DIR if directory is None else Path(directory)
    if not directory.is_dir():
        raise ProfileError(directory, [("", "profiles directory does not exist")])
    return {
        profile.code: profile for profile in (load_profile(path) for path in sorted(directory.glob("*.yaml")))
    }


@cache
def _bundled() -> dict[str, ProgrammeProfile]:
    return load_profiles()


def bundled_profiles() -> dict[str, ProgrammeProfile]:
    """All bundled profiles (loaded once); a new dict each call, so the cache stays intact.

    Returns:
        Code → profile for every bundled profile.
    """
    return dict(_bundled())


def get_profile(code: str) -> ProgrammeProfile:
    """The bundled profile with this code (loaded once); `UnknownProgrammeError` otherwise.

    Args:
        code: the programme's code, e.g. ``zhengzhou-2019``.

    Returns:
        The profile (the same object on every call).

    Raises:
        UnknownProgrammeError: no bundled profile has this code (the message lists the known ones).
    """
    profiles = _bundled()
    try:
        return profiles[code]
    except KeyError:
        known = ", ".join(sorted(profiles))
        raise UnknownProgrammeError(f"unknown programme {code!r} (known: {known})") from None

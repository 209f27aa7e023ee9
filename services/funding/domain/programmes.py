"""The seam between funding and the programme profiles: a lookup handlers receive, not a global.

Handlers and routes take a `ProfileLookup`, so a test can inject a profile with another ratio or
another approving department (built from a bundled one with `model_copy(update=...)`) and see the
behaviour change without a code edit.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.policy import ProgrammeProfile, UnknownProgrammeError, get_profile

ProfileLookup = Callable[[str], ProgrammeProfile | None]
"""Programme code → its profile, or None for a programme this build does not know."""


def bundled_profile(programme_code: str) -> ProgrammeProfile | None:
    """The bundled profile for `programme_code` (shared/policy/profiles), or None if unknown."""
    try:
        return get_profile(programme_code)
    except UnknownProgrammeError:
        return None

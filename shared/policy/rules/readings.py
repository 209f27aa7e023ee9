"""Every place a profile records this platform's reading of an ambiguous clause.

The office confirms or flips these; listing them from the data (not from a document that can
drift) means a new `reading: platform` in any profile shows up on the rules endpoint at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from shared.policy.models.base import Cited, Frozen, Reading
from shared.policy.models.catalogue import CatalogueItem
from shared.policy.models.profile import ProgrammeProfile

__all__ = [
    "PlatformReading",
    "platform_readings",
]

_READING_FIELDS = ("reading", "basis_reading", "responsibility_reading")


class PlatformReading(Frozen):
    """One platform reading: where it sits in the profile (`path`), its clause and its note."""

    path: str
    field: str
    clause: str | None
    note: str | None


def platform_readings(profile: ProgrammeProfile) -> tuple[PlatformReading, ...]:
    """The readings this platform chose in `profile`, in the profile's order, for the office.

    Args:
        profile: the programme's profile.

    Returns:
        One entry per field set to ``reading: platform``, with its path in the profile, its clause and
        note; empty when every clause is read as written.
    """
    return tuple(_walk(profile, "", None))


def _walk(value: Any, path: str, cited: Cited | None) -> Iterator[PlatformReading]:
    if isinstance(value, BaseModel):
        here = value if isinstance(value, Cited) else cited
        for name in type(value).model_fields:
            child = getattr(value, name)
            if name in _READING_FIELDS and child is Reading.PLATFORM:
                yield PlatformReading(
                    path=path or ".",
                    field=name,
                    clause=_clause(value, name, here),
                    note=getattr(value, "note", None) or getattr(value, "reason", None),
                )
            else:
                yield from _walk(child, f"{path}.{name}" if path else name, here)
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]", cited)


def _clause(value: BaseModel, field: str, cited: Cited | None) -> str | None:
    """The clause the reading is of: a catalogue item's responsibility reading cites its duty clause."""
    if field == "responsibility_reading" and isinstance(value, CatalogueItem):
        return value.cited_responsibility
    return cited.clause if cited else None

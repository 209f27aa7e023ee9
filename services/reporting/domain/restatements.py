"""Restatements: what events that arrived after publication changed in a published period.

A published bulletin or evaluation is never edited (Kaifeng 七(七) 周通报，月考评: what the office
printed stays printed). The same figures recomputed now, as of the same day, are compared with
what was published; each difference is shown (the next publication carries them), never
silently applied to the published one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Change", "changes"]


@dataclass(frozen=True)
class Change:
    """One figure of one district: as published, as it stands now, and the difference."""

    district_code: str
    figure: str
    published: int
    now: int

    @property
    def change(self) -> int:
        return self.now - self.published


def changes(
    published: Mapping[str, Mapping[str, int]], now: Mapping[str, Mapping[str, int]], figures: Iterable[str]
) -> list[Change]:
    """Every figure that differs, by district then in the order of `figures`.

    Args:
        published: district → figure → value, as frozen at publication.
        now: district → figure → value, recomputed now for the same day (missing counts as 0).
        figures: the figures to compare.
    """
    names = tuple(figures)
    found = []
    for district in sorted({*published, *now}):
        for figure in names:
            before = int(published.get(district, {}).get(figure, 0))
            after = int(now.get(district, {}).get(figure, 0))
            if before != after:
                found.append(Change(district, figure, before, after))
    return found

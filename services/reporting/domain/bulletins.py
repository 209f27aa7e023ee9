"""The weekly bulletin (周通报): rank districts, name laggards and late reporters, restate changes.

Kaifeng 七(七) 日督导，周通报，月考评; Zhengzhou 2019 七(四) names units behind plan in a city-wide
bulletin (通报批评). Platform readings: districts rank by the share of their task accepted, then
by the number accepted; a district is lagging when it is behind the pace its yearly target needs
(see `domain/targets.py`); a published bulletin is frozen, and what later events changed in the
previous bulletin's figures is shown in the next one as a restatement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from services.reporting.domain.periods import PeriodSpan
from services.reporting.domain.targets import TargetProgress
from shared.errors import FieldProblem, InvalidState

__all__ = ["Line", "check_publishable", "rank", "restatements"]

RESTATED_FIGURES = ("task", "done")


@dataclass(frozen=True)
class Line:
    """A district's figures going into a bulletin."""

    district_code: str
    task: int
    done: int
    accepted_this_week: int
    progress: TargetProgress | None

    @property
    def share(self) -> Fraction:
        return Fraction(self.done, self.task) if self.task else Fraction(0)

    @property
    def lagging(self) -> bool:
        return self.progress is not None and not self.progress.on_track


def rank(lines: Sequence[Line]) -> list[Line]:
    """Best first: share of the task accepted, then projects accepted, then district code."""
    return sorted(lines, key=lambda line: (-line.share, -line.done, line.district_code))


def check_publishable(week: PeriodSpan, now: datetime) -> None:
    """A week's bulletin is published once the week is over, so its figures are as of its end.

    Raises:
        InvalidState: the week has not ended in Asia/Shanghai (state `open`; publish once `closed`).
    """
    if now < week.closes_at:
        raise InvalidState(
            f"week {week.label} is not over: publish its bulletin after {week.end} (Asia/Shanghai)",
            current="open",
            allowed=[],
            errors=[FieldProblem("week_of", "period_not_over", f"publish after {week.end} (Asia/Shanghai)")],
        )


def restatements(
    published: Mapping[str, Mapping[str, int]], now: Mapping[str, Mapping[str, int]]
) -> list[tuple[str, str, int, int]]:
    """What changed in a published bulletin's figures: (district, figure, published, now)."""
    changed = []
    for district in sorted({*published, *now}):
        for figure in RESTATED_FIGURES:
            before = published.get(district, {}).get(figure, 0)
            after = now.get(district, {}).get(figure, 0)
            if before != after:
                changed.append((district, figure, before, after))
    return changed

"""The monthly evaluation (月考评): each district's components and score, ranked.

Kaifeng 七(七) 日督导，周通报，月考评; Zhengzhou 2019 七(四) and Zhengzhou 2018 五(四) evaluate the
districts regularly (定期考核) on 计划制定、任务落实、工作进度. The weights are the profile's
(`shared.policy.evaluation_score`); what each component measures is this platform's reading:

- progress: projects accepted against those due by the month's end on the yearly-target
  trajectory (capped at 1; Kaifeng's runs to its 2021-06-30 deadline); a plan with no targets
  (Zhongyuan) measures accepted / task;
- timeliness: reports due in the month filed on time / due: the weekly reports whose report day is
  inside it, and the month's own report where the plan asks for monthly ones (Zhengzhou 2018 五(二));
- first-pass acceptance: acceptance inspections passed / inspections held (a project that failed
  once and then passed counts one of each), to the month's end;
- rectification: rectifications completed / acceptances that ordered one, to the month's end;
- payout: award paid / award approved (with its true-ups), to the month's end, capped at 1.

A component with nothing to measure (no inspection yet, no award approved) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from services.reporting.domain.periods import Period, PeriodSpan, period_span
from shared.errors import FieldProblem, InvalidState, RuleViolation
from shared.policy import EVALUATION_COMPONENTS, ProgrammeProfile, evaluation_score

__all__ = [
    "MONTH_PATTERN",
    "RESTATED_FIGURES",
    "DistrictInputs",
    "DistrictScore",
    "check_publishable",
    "components",
    "evaluate",
    "month_span",
]

MONTH_PATTERN = r"^(199\d|20\d\d|2100)-(0[1-9]|1[0-2])$"
RESTATED_FIGURES = (
    "task",
    "done",
    "acceptance_failures",
    "rectifications_completed",
    "awarded_fen",
    "paid_fen",
)
"""Inputs from the projected events: what a late event can change after publication."""

_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class DistrictInputs:
    """A district's figures for the month, as of its end."""

    district_code: str
    task: int
    done: int
    expected_by_now: int | None
    reports_due: int
    reports_on_time: int
    accepted: int
    acceptance_failures: int
    rectifications_completed: int
    awarded_fen: int
    paid_fen: int

    def figures(self) -> dict[str, int]:
        """The inputs as a plain mapping (frozen into the published evaluation)."""
        return {k: v for k, v in asdict(self).items() if k != "district_code" and v is not None}


@dataclass(frozen=True)
class DistrictScore:
    rank: int
    inputs: DistrictInputs
    components: dict[str, Decimal | None]
    score: Decimal


def _share(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return min(Decimal(1), Decimal(max(part, 0)) / Decimal(whole)).quantize(_PLACES, rounding=ROUND_HALF_UP)


def components(inputs: DistrictInputs) -> dict[str, Decimal | None]:
    """Each component as a share from 0 to 1 to 4 places, or None when nothing is measured yet."""
    if inputs.expected_by_now is not None:
        progress = _share(inputs.done, inputs.expected_by_now)
    else:
        progress = _share(inputs.done, inputs.task)
    found = {
        "progress": progress,
        "timeliness": _share(inputs.reports_on_time, inputs.reports_due),
        "first_pass_acceptance": _share(inputs.accepted, inputs.accepted + inputs.acceptance_failures),
        "rectification": _share(inputs.rectifications_completed, inputs.acceptance_failures),
        "payout": _share(inputs.paid_fen, inputs.awarded_fen),
    }
    assert tuple(found) == EVALUATION_COMPONENTS
    return found


def evaluate(profile: ProgrammeProfile, inputs: Sequence[DistrictInputs]) -> list[DistrictScore]:
    """Score and rank the districts: best score first, then district code.

    Raises:
        RuleAbsentError: the plan sets no monthly evaluation.
    """
    scored = []
    for line in inputs:
        parts = components(line)
        scored.append((evaluation_score(profile, parts), line, parts))
    scored.sort(key=lambda s: (-s[0], s[1].district_code))
    return [DistrictScore(i + 1, line, parts, score) for i, (score, line, parts) in enumerate(scored)]


def month_span(label: str, field: str = "month") -> PeriodSpan:
    """The calendar month named `YYYY-MM`.

    Raises:
        RuleViolation: not a month between 1990-01 and 2100-12.
    """
    if re.fullmatch(MONTH_PATTERN, label) is None:
        raise RuleViolation(
            f"{label!r} is not a month",
            [FieldProblem(field, "month_format", "a month as YYYY-MM, e.g. 2026-10")],
        )
    year, month = (int(part) for part in label.split("-"))
    return period_span(Period.MONTH, date(year, month, 1))


def check_publishable(month: PeriodSpan, now: datetime) -> None:
    """A month is evaluated once it is over in Asia/Shanghai, so its figures are as of its end.

    Raises:
        InvalidState: the month is not over (state `open`).
    """
    if now < month.closes_at:
        raise InvalidState(
            f"month {month.label} is not over: evaluate it after {month.end} (Asia/Shanghai)",
            current="open",
            allowed=[],
            errors=[FieldProblem("month", "period_not_over", f"publish after {month.end} (Asia/Shanghai)")],
        )

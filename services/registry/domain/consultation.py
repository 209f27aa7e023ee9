"""Residents decide: the consultation's figures, and the threshold a plan waits for.

No plan in `../shared/seeds/` states a numeric threshold (Zhengzhou 2019 四(二)/四(三) asks the
district to consult the owners fully; Kaifeng 六(二) to publish content, money, design and works).
So the threshold is read from the profile's consultation step where a profile states one
(`consent: {share_in_favour, publicity_days}`, `shared.policy.models.lifecycle.Consent`) and is
absent otherwise: then any recorded consultation lets the plan be submitted. A round that falls
short can be followed by another; the latest round is the one the plan is held to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, StageCode


@dataclass(frozen=True)
class ConsultationThreshold:
    """What a consultation must reach before the plan is submitted (None: no requirement)."""

    share_in_favour: Decimal | None = None
    publicity_days: int | None = None


def consultation_threshold(profile: ProgrammeProfile) -> ConsultationThreshold | None:
    """The profile's threshold for its consultation step, or None where the plan states none."""
    stage = profile.lifecycle.stage(StageCode.CONSULTATION)
    consent = stage.consent if stage is not None else None
    if consent is None:
        return None
    return ConsultationThreshold(consent.share_in_favour, consent.publicity_days)


def share_in_favour(in_favour: int, consulted: int) -> Decimal:
    """in_favour / consulted, to four places (half-up)."""
    return (Decimal(in_favour) / Decimal(consulted)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def publicity_days(start: date, end: date) -> int:
    """Days the notice was up, both ends included."""
    return (end - start).days + 1


def check_consultation(
    households: int,
    consulted: int,
    in_favour: int,
    publicity_from: date,
    publicity_to: date,
    consulted_on: date,
) -> None:
    """Refuse figures that cannot be true of one consultation.

    Raises:
        RuleViolation: more consulted than live there, more in favour than consulted, a publicity
            period that ends before it starts or a consultation dated before its notice went up.
    """
    problems = []
    if consulted > households:
        problems.append(
            FieldProblem("households_consulted", "at_most_households", f"the community has {households}")
        )
    if in_favour > consulted:
        problems.append(
            FieldProblem("households_in_favour", "at_most_consulted", f"{consulted} were consulted")
        )
    if publicity_to < publicity_from:
        problems.append(
            FieldProblem("publicity_to", "not_before_publicity_from", "the notice ends after it starts")
        )
    if consulted_on < publicity_from:
        problems.append(
            FieldProblem("consulted_on", "not_before_publicity_from", "consult once the notice is up")
        )
    if problems:
        raise RuleViolation("the consultation's figures are inconsistent", problems)


def check_threshold_met(
    threshold: ConsultationThreshold | None,
    consulted: int,
    in_favour: int,
    publicity_from: date,
    publicity_to: date,
) -> None:
    """Refuse the plan while the latest consultation falls short of the profile's threshold.

    Raises:
        RuleViolation: rule `consultation_threshold`, saying what is short.
    """
    if threshold is None:
        return
    problems = []
    share = share_in_favour(in_favour, consulted)
    if threshold.share_in_favour is not None and share < threshold.share_in_favour:
        problems.append(
            FieldProblem(
                "consultation",
                "consultation_threshold",
                f"{share} of households in favour; the programme needs {threshold.share_in_favour}",
            )
        )
    days = publicity_days(publicity_from, publicity_to)
    if threshold.publicity_days is not None and days < threshold.publicity_days:
        problems.append(
            FieldProblem(
                "consultation",
                "publicity_period",
                f"publicity ran {days} days; the programme needs {threshold.publicity_days}",
            )
        )
    if problems:
        raise RuleViolation("the residents' consultation does not meet the programme's threshold", problems)

"""The monthly evaluation's score (月考评, Kaifeng 七(七)): weighted components from the profile.

Why here: the weights are programme rules (what counts for how much), so reporting asks this
module and the profile; a programme with other weights is a YAML edit, not a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from shared.policy.errors import RuleAbsentError
from shared.policy.models.profile import ProgrammeProfile
from shared.policy.models.supervision import MonthlyEvaluation

__all__ = ["EVALUATION_COMPONENTS", "evaluation_score", "monthly_evaluation"]

EVALUATION_COMPONENTS = ("progress", "timeliness", "first_pass_acceptance", "rectification", "payout")
"""The components a monthly score weighs, in the order the profile lists their weights."""


def monthly_evaluation(profile: ProgrammeProfile) -> MonthlyEvaluation:
    """The plan's monthly evaluation rule.

    Args:
        profile: the programme's profile.

    Returns:
        The weights and full marks.

    Raises:
        RuleAbsentError: the plan sets no monthly evaluation (Zhongyuan 2013).
    """
    rule = profile.supervision.evaluation
    if rule is None:
        raise RuleAbsentError(f"{profile.code}: the plan sets no monthly evaluation")
    return rule


def evaluation_score(profile: ProgrammeProfile, components: Mapping[str, Decimal | None]) -> Decimal:
    """A district's score: full marks × the weighted mean of its components, to 2 places.

    A component given as None (nothing to measure yet) is left out and the remaining weights are
    scaled up; with every component left out the score is full marks (nothing was due).

    Args:
        profile: the programme's profile (its `supervision.evaluation`).
        components: each of `EVALUATION_COMPONENTS` as a share from 0 to 1, or None.

    Returns:
        The score from 0 to full marks, rounded half up to 0.01.

    Raises:
        RuleAbsentError: the plan sets no monthly evaluation.
        ValueError: a component is missing, unknown, a float, or outside 0..1.
    """
    rule = monthly_evaluation(profile)
    if set(components) != set(EVALUATION_COMPONENTS):
        raise ValueError(f"components must be exactly {EVALUATION_COMPONENTS}, got {sorted(components)}")
    weighed = Decimal(0)
    total = Decimal(0)
    for name in EVALUATION_COMPONENTS:
        value = components[name]
        if value is None:
            continue
        if not isinstance(value, Decimal) or not Decimal(0) <= value <= Decimal(1):
            raise ValueError(f"{name}: a component is a Decimal share from 0 to 1, got {value!r}")
        weight = getattr(rule.weights, name)
        weighed += weight * value
        total += weight
    share = weighed / total if total else Decimal(1)
    return (rule.full_marks * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

"""Demonstration areas (示范区): which communities may form one, by the programme's rule.

Zhengzhou 2018 四(一) chooses an enclosed area of about one square kilometre holding at least
three old communities; the profile holds the least number and the size
(`lifecycle.demonstration_area`). The communities are of one programme and one district, and a
community is in one area at most.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, RuleAbsentError
from shared.policy.models.lifecycle import DemonstrationAreaRule
from shared.policy.rules.lifecycle import demonstration_area_rule

FIELD = "community_ids"


def check_distinct(ids: Sequence[uuid.UUID]) -> None:
    """Refuse a community listed twice.

    Raises:
        RuleViolation: naming `community_ids.<i>` with rule `unique`.
    """
    seen: set[uuid.UUID] = set()
    problems = []
    for index, community_id in enumerate(ids):
        if community_id in seen:
            problems.append(FieldProblem(f"{FIELD}.{index}", "unique", f"{community_id} is listed twice"))
        seen.add(community_id)
    if problems:
        raise RuleViolation("a community is listed twice", problems)


def check_one_programme(programmes: Sequence[str]) -> str:
    """The one programme of the area's communities.

    Raises:
        RuleViolation: communities of more than one programme (`same_programme`).
    """
    distinct = sorted(set(programmes))
    if len(distinct) != 1:
        raise RuleViolation(
            "an area's communities belong to one programme",
            [FieldProblem(FIELD, "same_programme", f"programmes: {', '.join(distinct)}")],
        )
    return distinct[0]


def area_rule(profile: ProgrammeProfile) -> DemonstrationAreaRule:
    """The programme's demonstration-area rule.

    Raises:
        RuleViolation: the programme's plan has no demonstration areas (`demonstration_area_programme`).
    """
    try:
        return demonstration_area_rule(profile)
    except RuleAbsentError:
        raise RuleViolation(
            f"{profile.code} has no demonstration areas (示范区) in its plan",
            [FieldProblem(FIELD, "demonstration_area_programme", f"{profile.code} sets no areas")],
        ) from None


def check_size(profile: ProgrammeProfile, rule: DemonstrationAreaRule, count: int) -> None:
    """Refuse an area with fewer communities than the plan's least number.

    Raises:
        RuleViolation: `demonstration_area_size`, citing the clause.
    """
    if count < rule.min_communities:
        raise RuleViolation(
            f"a demonstration area holds at least {rule.min_communities} communities "
            f"({profile.document_number} {rule.clause}); {count} given",
            [
                FieldProblem(
                    FIELD,
                    "demonstration_area_size",
                    f"at least {rule.min_communities} communities ({rule.clause})",
                )
            ],
        )

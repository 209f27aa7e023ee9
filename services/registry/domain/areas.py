"""Ledger groupings the office filters on: demonstration areas (示范区) and the central-fund list.

Zhengzhou 2018 四(一) chooses an enclosed area of about one square kilometre holding at least
three old communities; the profile holds the least number and the size
(`lifecycle.demonstration_area`). The communities are of one programme and one district, and a
community is in one area at most. Kaifeng 三 lists 117 communities for the 2019 central subsidy
(`funding.central_subsidy.funded_communities`): the ledger flags no more than that, and a
programme without such a list flags none.
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


def check_central_fund_list(profile: ProgrammeProfile, already_listed: int) -> None:
    """Refuse putting one more community on the central-fund list when there is no room.

    Args:
        profile: the community's programme.
        already_listed: communities of the programme already flagged.

    Raises:
        RuleViolation: the programme has no list (`central_fund_list`), or it is full
            (`central_fund_list_full`), naming `centrally_funded`.
    """
    central = profile.funding.central_subsidy if profile.funding else None
    if central is None:
        raise RuleViolation(
            f"{profile.code} has no central-fund list",
            [FieldProblem("centrally_funded", "central_fund_list", f"{profile.code} lists no communities")],
        )
    if already_listed >= central.funded_communities:
        raise RuleViolation(
            f"the central-fund list of {profile.code} holds {central.funded_communities} communities "
            f"({profile.document_number} {central.clause}) and is full",
            [
                FieldProblem(
                    "centrally_funded",
                    "central_fund_list_full",
                    f"{central.funded_communities} communities are listed ({central.clause})",
                )
            ],
        )

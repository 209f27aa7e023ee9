"""Central funds as the funding service applies them (Kaifeng 三, 七(二), 七(三)).

Who proposes and who approves, the ranking weights and the split are the profile's (through
`shared.policy.rules.central_funds`); this module checks Housing's request against the profile
and what funding knows, and says why a project gets nothing.

The list of centrally funded communities (Kaifeng 三: 117) travels on no registry event, so
Housing states the listed projects in its request; at most the profile's number are accepted,
and a project of the programme not on the list is shown as left out (`not_listed`), never funded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.access import OrganisationKind, Principal
from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, RuleAbsentError
from shared.policy.rules.central_funds import (
    CentralCandidate,
    central_allocator,
    central_proposer,
    central_ranking,
    central_subsidy,
)

CENTRAL_SUBSIDY = "central-subsidy"
"""The source code central funds are committed under (only by an approved allocation)."""

FORMULA = (
    "score = approvals_weight × approval steps done ÷ steps + progress_weight × works progress "
    "+ investment_weight × remaining need ÷ largest remaining need (each part to 4 places)"
)


@dataclass(frozen=True)
class Known:
    """What funding knows of one project for the ranking."""

    project_id: uuid.UUID
    district_code: str
    programme_code: str
    name: str | None
    steps: dict[str, date]
    progress_percent: int | None
    completed: bool
    investment_fen: int | None
    covered_fen: int  # committed by the project's sources (the award and central funds included)


def _department_is(principal: Principal, code: str) -> bool:
    return principal.org_kind is OrganisationKind.DEPARTMENT and principal.org_code == code


def may_propose(principal: Principal, profile: ProgrammeProfile) -> bool:
    """The department the profile names to propose the allocation (Kaifeng 七(二): housing)."""
    try:
        return _department_is(principal, central_proposer(profile))
    except RuleAbsentError:
        return False


def may_approve(principal: Principal, profile: ProgrammeProfile) -> bool:
    """The department the profile names to allocate and pay (Kaifeng 七(二): finance)."""
    try:
        return _department_is(principal, central_allocator(profile))
    except RuleAbsentError:
        return False


def has_central_funds(profile: ProgrammeProfile) -> bool:
    try:
        central_ranking(profile)
    except RuleAbsentError:
        return False
    return True


def check_listed(
    profile: ProgrammeProfile, listed: Sequence[uuid.UUID], known: dict[uuid.UUID, Known]
) -> None:
    """Every listed project is known to funding, of this programme, once; no more than the list holds.

    Raises:
        RuleViolation: naming each offending `listed_project_ids.<i>` and the rule.
    """
    limit = central_subsidy(profile).funded_communities
    problems = []
    if len(listed) > limit:
        problems.append(
            FieldProblem(
                "listed_project_ids",
                "within_listed_count",
                f"at most {limit} listed communities ({profile.code} {central_subsidy(profile).clause})",
            )
        )
    seen: set[uuid.UUID] = set()
    for index, project_id in enumerate(listed):
        field = f"listed_project_ids.{index}"
        if project_id in seen:
            problems.append(FieldProblem(field, "unique", f"{project_id} is listed twice"))
        seen.add(project_id)
        project = known.get(project_id)
        if project is None:
            problems.append(
                FieldProblem(field, "known_project", f"funding has heard of no project {project_id}")
            )
        elif project.programme_code != profile.code:
            problems.append(
                FieldProblem(field, "same_programme", f"{project_id} belongs to {project.programme_code}")
            )
    if problems:
        raise RuleViolation("the central-fund list is refused", problems)


def need_fen(project: Known) -> int:
    """Investment minus what the project's sources already cover, never below 0."""
    if project.investment_fen is None:
        return 0
    return max(project.investment_fen - project.covered_fen, 0)


def progress(project: Known) -> Decimal:
    """Works progress 0..1: 1 once completed, else the latest reported mean percent, else 0."""
    if project.completed:
        return Decimal(1)
    return Decimal(project.progress_percent or 0) / Decimal(100)


def candidate(profile: ProgrammeProfile, project: Known) -> CentralCandidate:
    steps = central_ranking(profile).approval_steps
    done = frozenset(project.steps) & frozenset(steps)
    complete_on = max(project.steps[s] for s in steps) if done == frozenset(steps) else None
    return CentralCandidate(
        key=project.project_id,
        steps_done=done,
        progress=progress(project),
        need_fen=need_fen(project),
        steps_complete_on=complete_on,
    )


def weights(profile: ProgrammeProfile) -> str:
    ranking = central_ranking(profile)
    return f"{ranking.approvals_weight}/{ranking.progress_weight}/{ranking.investment_weight}"


def not_listed_reason(profile: ProgrammeProfile) -> str:
    central = central_subsidy(profile)
    return (
        f"not on the list of {central.funded_communities} centrally funded communities "
        f"({profile.code} {central.clause}): no central funds"
    )

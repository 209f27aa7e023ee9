"""Central funds (Kaifeng 三, 七(二), 七(三)): rank the listed projects and split an amount over them.

Why here: the weights, the approval steps and who proposes and who allocates differ by plan; the
profile's `funding.central_subsidy` holds them and this module is their one reading. Exact maths:
scores are Decimals rounded half-up to 4 places, shares are computed with `fractions.Fraction`
and rounded down to whole fen, the left-over fen go one each to the highest-ranked projects.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from shared.policy.errors import RuleAbsentError
from shared.policy.models.funding import CentralRanking, CentralSubsidy
from shared.policy.models.profile import ProgrammeProfile

__all__ = [
    "REMAINDER_RULE",
    "CentralCandidate",
    "CentralShare",
    "allocate_central_funds",
    "central_allocator",
    "central_proposer",
    "central_ranking",
    "central_subsidy",
    "central_score",
]

_PLACES = Decimal("0.0001")

REMAINDER_RULE = (
    "shares in proportion to the score, rounded down to whole fen, never above a project's "
    "remaining need; the fen left over (fewer than the projects sharing) go one each to the "
    "highest-ranked projects; what no project can take stays unallocated"
)


def central_subsidy(profile: ProgrammeProfile) -> CentralSubsidy:
    """The plan's central-subsidy rule, or RuleAbsentError when the plan has none.

    Args:
        profile: the programme's profile.

    Returns:
        The central subsidy: year, number of listed communities, roles, allocation and ranking.

    Raises:
        RuleAbsentError: the plan receives no central funds (every plan but Kaifeng's).
    """
    central = profile.funding.central_subsidy if profile.funding else None
    if central is None:
        raise RuleAbsentError(f"{profile.code}: the plan has no central-fund allocation")
    return central


def central_ranking(profile: ProgrammeProfile) -> CentralRanking:
    """The ranking weights and approval steps, or RuleAbsentError.

    Args:
        profile: the programme's profile.

    Returns:
        The ranking rule.

    Raises:
        RuleAbsentError: the plan has no central funds or no ranking.
    """
    ranking = central_subsidy(profile).ranking
    if ranking is None:
        raise RuleAbsentError(f"{profile.code}: the plan's central funds have no ranking rule")
    return ranking


def central_proposer(profile: ProgrammeProfile) -> str:
    """The department that proposes the allocation (Kaifeng 七(二): 市住建部门提出资金分配意见).

    Args:
        profile: the programme's profile.

    Returns:
        Its department code.

    Raises:
        RuleAbsentError: the plan has no central funds or names no roles.
    """
    roles = central_subsidy(profile).roles
    if roles is None:
        raise RuleAbsentError(f"{profile.code}: the plan names no proposer of central funds")
    return roles.proposer_department


def central_allocator(profile: ProgrammeProfile) -> str:
    """The department that approves and allocates (Kaifeng 七(二): 市财政部门负责资金的分配、拨付).

    Args:
        profile: the programme's profile.

    Returns:
        Its department code.

    Raises:
        RuleAbsentError: the plan has no central funds or names no roles.
    """
    roles = central_subsidy(profile).roles
    if roles is None:
        raise RuleAbsentError(f"{profile.code}: the plan names no allocator of central funds")
    return roles.allocator_department


@dataclass(frozen=True)
class CentralCandidate:
    """A listed project as the ranking sees it.

    Attributes:
        key: the project's id (any hashable, sortable as a string for the last tie-break).
        steps_done: codes of the approval steps done.
        progress: works progress, 0..1.
        need_fen: remaining need in fen (investment minus what sources already cover).
        steps_complete_on: the day the last approval step was done, None while one is missing.
    """

    key: Hashable
    steps_done: frozenset[str]
    progress: Decimal
    need_fen: int
    steps_complete_on: date | None = None


@dataclass(frozen=True)
class CentralShare:
    """A candidate's rank, score (and its parts) and proposed amount in fen."""

    key: Hashable
    rank: int
    score: Decimal
    approvals: Decimal
    progress: Decimal
    investment: Decimal
    need_fen: int
    amount_fen: int


def _q(value: Decimal) -> Decimal:
    return value.quantize(_PLACES, rounding=ROUND_HALF_UP)


def central_score(
    ranking: CentralRanking, candidate: CentralCandidate, largest_need_fen: int
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The score and its three parts, each rounded half-up to 4 places.

    Args:
        ranking: the profile's ranking rule.
        candidate: the project.
        largest_need_fen: the largest remaining need among the candidates (0: investment part 0).

    Returns:
        (score, approvals part, progress part, investment part).

    Raises:
        ValueError: progress outside 0..1 or a negative need.
    """
    if not Decimal(0) <= candidate.progress <= Decimal(1):
        raise ValueError(f"progress must be within 0..1, got {candidate.progress}")
    if candidate.need_fen < 0:
        raise ValueError("a remaining need is not negative")
    steps = ranking.approval_steps
    approvals = _q(Decimal(len(candidate.steps_done & set(steps))) / Decimal(len(steps)))
    progress = _q(candidate.progress)
    investment = (
        _q(Decimal(candidate.need_fen) / Decimal(largest_need_fen)) if largest_need_fen else Decimal(0)
    )
    score = _q(
        ranking.approvals_weight * approvals
        + ranking.progress_weight * progress
        + ranking.investment_weight * investment
    )
    return score, approvals, progress, investment


def allocate_central_funds(
    profile: ProgrammeProfile, amount_fen: int, candidates: Sequence[CentralCandidate]
) -> list[CentralShare]:
    """Rank `candidates` and split `amount_fen` over them by the profile's rule (`REMAINDER_RULE`).

    Args:
        profile: the programme's profile (its central-subsidy ranking).
        amount_fen: the central amount to allocate, integer fen.
        candidates: the listed projects, each once.

    Returns:
        One share per candidate, best first; the amounts add up to at most `amount_fen` (less only
        when the candidates' needs add up to less) and none exceeds its need.

    Raises:
        RuleAbsentError: the plan has no ranking rule.
        TypeError: the amount is not integer fen.
        ValueError: a negative amount, a candidate twice, or a part out of range.
    """
    ranking = central_ranking(profile)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise TypeError(f"amount_fen must be integer fen, got {amount_fen!r}")
    if amount_fen < 0:
        raise ValueError("the amount must not be negative")
    if len({c.key for c in candidates}) != len(candidates):
        raise ValueError("a candidate is listed twice")
    largest = max((c.need_fen for c in candidates), default=0)
    scored = [(c, central_score(ranking, c, largest)) for c in candidates]
    scored.sort(
        key=lambda pair: (
            -pair[1][0],
            pair[0].steps_complete_on is None,
            pair[0].steps_complete_on or date.max,
            str(pair[0].key),
        )
    )
    amounts = _split(amount_fen, [(c.need_fen, parts[0]) for c, parts in scored])
    return [
        CentralShare(c.key, rank, *parts, need_fen=c.need_fen, amount_fen=amount)
        for rank, ((c, parts), amount) in enumerate(zip(scored, amounts, strict=True), start=1)
    ]


def _split(amount_fen: int, ranked: Sequence[tuple[int, Decimal]]) -> list[int]:
    """Water-filling in proportion to the scores, capped at each need; leftover fen by rank."""
    amounts = [0] * len(ranked)
    active = [i for i, (need, score) in enumerate(ranked) if need > 0 and score > 0]
    pool = amount_fen
    while active and pool > 0:
        total = sum(Fraction(ranked[i][1]) for i in active)
        capped = [i for i in active if pool * Fraction(ranked[i][1]) / total >= ranked[i][0]]
        if capped:
            for i in capped:
                amounts[i] = ranked[i][0]
                pool -= ranked[i][0]
            active = [i for i in active if i not in capped]
            continue
        for i in active:
            amounts[i] = int(pool * Fraction(ranked[i][1]) / total)  # floor: the share is positive
        left = pool - sum(amounts[i] for i in active)
        for i in active[:left]:  # active keeps rank order; left < len(active)
            amounts[i] += 1
        break
    return amounts

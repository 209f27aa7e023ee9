"""The central-fund ranking and split (Kaifeng 三, 七(二), 七(三)), worked out by hand from the profile.

The profile reads 七(三)'s priorities (前期工作推进快, 审批手续完善) as a score: 0.5 × the share of the
four 七(五) approval steps done + 0.3 × works progress + 0.2 × remaining need / the largest need, each
part and the score rounded half-up to 4 places; the amount is shared in proportion to the score,
never above a need, the left-over fen one each to the highest-ranked projects.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from policy_helpers import load_mutated

from shared.policy import RuleAbsentError, get_profile
from shared.policy.rules.central_funds import (
    CentralCandidate,
    allocate_central_funds,
    central_allocator,
    central_proposer,
    central_ranking,
    central_score,
    central_subsidy,
)

KAIFENG = get_profile("kaifeng-2019")
RANKING = central_ranking(KAIFENG)
STEPS = frozenset({"approval", "design_review", "cost_review", "tender"})


def _c(
    key: str, need: int, steps: frozenset[str] = STEPS, progress: str = "0", on: date | None = None
) -> CentralCandidate:
    return CentralCandidate(key, steps, Decimal(progress), need, on)


# --- the rule and its roles -----------------------------------------------------------------------


def test_kaifeng_housing_proposes_and_finance_allocates() -> None:
    """七(二): 市住建部门提出资金分配意见, 市财政部门负责资金的分配、拨付."""
    assert central_proposer(KAIFENG) == "housing"
    assert central_allocator(KAIFENG) == "finance"
    assert central_subsidy(KAIFENG).funded_communities == 117


@pytest.mark.parametrize("code", ["zhengzhou-2019", "zhengzhou-2018", "zhongyuan-2013"])
def test_a_plan_without_central_funds_says_so(code: str) -> None:
    """Only Kaifeng receives central funds; Zhongyuan 2013 has no funding rules at all."""
    with pytest.raises(RuleAbsentError, match=f"^{code}: the plan has no central-fund allocation$"):
        central_subsidy(get_profile(code))


def test_central_funds_without_a_ranking_or_roles_say_what_is_missing(tmp_path: Path) -> None:
    def drop(*keys: str) -> Any:
        def change(data: dict[str, Any]) -> None:
            for key in keys:
                del data["funding"]["central_subsidy"][key]
            data["action_requests"] = [
                r for r in data["action_requests"] if r["responsible"] != "central_allocator"
            ]

        return change

    unranked = load_mutated(tmp_path, "kaifeng-2019", drop("ranking"))
    with pytest.raises(
        RuleAbsentError, match=r"^kaifeng-2019: the plan's central funds have no ranking rule$"
    ):
        central_ranking(unranked)
    roleless = load_mutated(tmp_path, "kaifeng-2019", drop("roles"))
    with pytest.raises(RuleAbsentError, match="^kaifeng-2019: the plan names no proposer of central funds$"):
        central_proposer(roleless)
    with pytest.raises(RuleAbsentError, match="^kaifeng-2019: the plan names no allocator of central funds$"):
        central_allocator(roleless)


# --- the score ------------------------------------------------------------------------------------


def test_score_parts_are_rounded_half_up_to_four_places() -> None:
    """Two of four steps: 0.5; progress 0.12345 rounds half-up to 0.1235 (not half-even 0.1234);
    need 1 of the largest 3: 0.3333. Score 0.5×0.5 + 0.3×0.1235 + 0.2×0.3333 = 0.35371 → 0.3537."""
    candidate = _c("p", 1, steps=frozenset({"approval", "design_review", "survey"}), progress="0.12345")
    assert central_score(RANKING, candidate, 3) == (
        Decimal("0.3537"),
        Decimal("0.5000"),
        Decimal("0.1235"),
        Decimal("0.3333"),
    )


def test_the_investment_part_counts_toward_the_score() -> None:
    """Every step done, no progress, the largest need: 0.5 + 0 + 0.2 = 0.7."""
    assert central_score(RANKING, _c("p", 400, progress="0"), 400) == (
        Decimal("0.7000"),
        Decimal("1.0000"),
        Decimal("0.0000"),
        Decimal("1.0000"),
    )


def test_no_need_anywhere_gives_an_investment_part_of_zero() -> None:
    score, _, _, investment = central_score(RANKING, _c("p", 0, progress="1"), 0)
    assert investment == Decimal(0)
    assert score == Decimal("0.8000")


@pytest.mark.parametrize("progress", ["1.5", "1.0001", "-0.1"])
def test_progress_outside_0_to_1_is_refused(progress: str) -> None:
    with pytest.raises(ValueError, match=rf"^progress must be within 0\.\.1, got {progress}$"):
        central_score(RANKING, _c("p", 1, progress=progress), 1)


def test_progress_of_exactly_1_is_a_completed_works() -> None:
    assert central_score(RANKING, _c("p", 0, progress="1"), 0)[2] == Decimal("1.0000")


def test_a_negative_need_is_refused() -> None:
    with pytest.raises(ValueError, match="^a remaining need is not negative$"):
        central_score(RANKING, _c("p", -1), 1)


# --- the allocation -------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [100.0, True, "100", Decimal(100)])
def test_the_amount_must_be_integer_fen(amount: Any) -> None:
    with pytest.raises(
        TypeError, match="^" + re.escape(f"amount_fen must be integer fen, got {amount!r}") + "$"
    ):
        allocate_central_funds(KAIFENG, amount, [_c("a", 100)])


def test_a_negative_amount_and_a_candidate_listed_twice_are_refused() -> None:
    with pytest.raises(ValueError, match="^the amount must not be negative$"):
        allocate_central_funds(KAIFENG, -1, [_c("a", 100)])
    with pytest.raises(ValueError, match="^a candidate is listed twice$"):
        allocate_central_funds(KAIFENG, 100, [_c("a", 100), _c("a", 50)])


def test_no_candidates_share_nothing() -> None:
    assert allocate_central_funds(KAIFENG, 1_000, []) == []


def test_the_investment_part_is_the_need_over_the_largest_need() -> None:
    """Needs 1,000 and 4,000: investment parts 0.25 and 1; scores 0.55 and 0.7 (all steps, no
    progress); 1,000 fen shared 0.7 : 0.55 → 560 and 440 (exact, nothing left over)."""
    shares = allocate_central_funds(KAIFENG, 1_000, [_c("small", 1_000), _c("large", 4_000)])
    assert [(s.key, s.investment, s.score, s.amount_fen) for s in shares] == [
        ("large", Decimal("1.0000"), Decimal("0.7000"), 560),
        ("small", Decimal("0.2500"), Decimal("0.5500"), 440),
    ]


def test_on_equal_scores_the_project_with_every_approval_ranks_first() -> None:
    """七(三) 对审批手续完善的项目优先支持: all four steps and need 3,000 of 8,000 (0.5 + 0.075) ties
    three steps and the largest need (0.375 + 0.2) at 0.575; the complete one ranks first even
    though its key sorts last."""
    complete = _c("z-complete", 3_000, on=date(2019, 12, 20))
    missing = _c("a-missing", 8_000, steps=STEPS - {"tender"})
    shares = allocate_central_funds(KAIFENG, 3, [missing, complete])
    assert [(s.key, s.rank, s.score) for s in shares] == [
        ("z-complete", 1, Decimal("0.5750")),
        ("a-missing", 2, Decimal("0.5750")),
    ]
    assert [s.amount_fen for s in shares] == [2, 1]  # 1.5 each, the left-over fen to rank 1


def test_full_ties_are_ranked_by_key_and_the_left_over_fen_goes_to_the_first() -> None:
    shares = allocate_central_funds(KAIFENG, 3, [_c("b", 1_000), _c("a", 1_000)])
    assert [(s.key, s.rank, s.amount_fen) for s in shares] == [("a", 1, 2), ("b", 2, 1)]


def test_a_single_fen_goes_to_the_highest_ranked_project() -> None:
    """Half a fen each rounds down to 0; the one fen left over goes to rank 1."""
    shares = allocate_central_funds(KAIFENG, 1, [_c("a", 1_000), _c("b", 1_000)])
    assert [(s.key, s.amount_fen) for s in shares] == [("a", 1), ("b", 0)]


def test_a_share_equal_to_the_need_is_capped_so_no_left_over_fen_exceeds_it(tmp_path: Path) -> None:
    """A plan weighing approvals and progress only (0.5 / 0.5 / 0): A (all steps) scores 0.5, B and C
    (two steps) 0.25. 10 fen: A's share is exactly its need of 5, so A is capped at 5 and the other
    5 fen go 2.5 : 2.5 → 2 each, the fen left over to B. A never gets 6 for a need of 5."""

    def weights(data: dict[str, Any]) -> None:
        ranking = data["funding"]["central_subsidy"]["ranking"]
        ranking.update(approvals_weight="0.50", progress_weight="0.50", investment_weight="0")

    profile = load_mutated(tmp_path, "kaifeng-2019", weights)
    two = frozenset({"approval", "tender"})
    shares = allocate_central_funds(profile, 10, [_c("c", 1_000, two), _c("a", 5), _c("b", 1_000, two)])
    assert [(s.key, s.score, s.amount_fen) for s in shares] == [
        ("a", Decimal("0.5000"), 5),
        ("b", Decimal("0.2500"), 3),
        ("c", Decimal("0.2500"), 2),
    ]

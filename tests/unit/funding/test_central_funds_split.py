"""The central-fund split (shared.policy.rules.central_funds): exact to the fen, never above a need,
left-over fen to the highest-ranked, capped shares handed on, weights from the profile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.policy import get_profile
from shared.policy.rules.central_funds import CentralCandidate, allocate_central_funds, central_ranking

KAIFENG = get_profile("kaifeng-2019")
STEPS = frozenset({"approval", "design_review", "cost_review", "tender"})


def _c(key: str, need: int, steps: frozenset[str] = STEPS, progress: str = "0", on: date | None = None):  # type: ignore[no-untyped-def]
    return CentralCandidate(key, steps, Decimal(progress), need, on)


def test_a_capped_project_hands_what_it_cannot_take_to_the_others() -> None:
    shares = allocate_central_funds(KAIFENG, 1_000_000, [_c("big", 900_000), _c("small", 100)])
    by_key = {s.key: s.amount_fen for s in shares}
    assert by_key == {"big": 900_000, "small": 100}  # 100 000 stays unallocated
    shares = allocate_central_funds(KAIFENG, 500_000, [_c("big", 900_000), _c("small", 100)])
    assert {s.key: s.amount_fen for s in shares} == {"big": 499_900, "small": 100}


def test_ties_rank_the_project_whose_approvals_were_complete_first() -> None:
    late = _c("a-late", 1_000, on=date(2019, 12, 20))
    early = _c("b-early", 1_000, on=date(2019, 12, 5))
    shares = allocate_central_funds(KAIFENG, 3, [late, early])
    assert [(s.key, s.rank, s.amount_fen) for s in shares] == [("b-early", 1, 2), ("a-late", 2, 1)]


def test_a_project_with_no_score_gets_nothing() -> None:
    shares = allocate_central_funds(KAIFENG, 1_000, [_c("ready", 1_000), _c("idle", 0, steps=frozenset())])
    assert {s.key: s.amount_fen for s in shares} == {"ready": 1_000, "idle": 0}


def test_the_profiles_weights_decide_the_order() -> None:
    fast = _c("fast", 1_000, steps=frozenset({"approval"}), progress="0.9")
    approved = _c("approved", 1_000, progress="0")
    assert [s.key for s in allocate_central_funds(KAIFENG, 10, [fast, approved])] == ["approved", "fast"]
    ranking = central_ranking(KAIFENG).model_copy(
        update={"approvals_weight": Decimal("0.1"), "progress_weight": Decimal("0.9"), "investment_weight": 0}
    )
    central = KAIFENG.funding.central_subsidy.model_copy(update={"ranking": ranking})  # type: ignore[union-attr]
    funding = KAIFENG.funding.model_copy(update={"central_subsidy": central})  # type: ignore[union-attr]
    progress_first = KAIFENG.model_copy(update={"funding": funding})
    assert [s.key for s in allocate_central_funds(progress_first, 10, [fast, approved])] == [
        "fast",
        "approved",
    ]


def test_a_float_or_negative_amount_is_refused() -> None:
    with pytest.raises(TypeError):
        allocate_central_funds(KAIFENG, 1.5, [_c("a", 10)])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        allocate_central_funds(KAIFENG, -1, [_c("a", 10)])


@given(
    amount=st.integers(0, 10**13),
    needs=st.lists(st.integers(0, 10**12), min_size=1, max_size=12),
    steps=st.lists(st.integers(0, 4), min_size=12, max_size=12),
    progress=st.lists(st.integers(0, 100), min_size=12, max_size=12),
)
def test_shares_add_up_exactly_and_never_exceed_a_need(amount, needs, steps, progress) -> None:  # type: ignore[no-untyped-def]
    order = ["approval", "design_review", "cost_review", "tender"]
    candidates = [
        _c(f"p{i:02}", need, frozenset(order[: steps[i]]), str(Decimal(progress[i]) / 100))
        for i, need in enumerate(needs)
    ]
    shares = allocate_central_funds(KAIFENG, amount, candidates)
    assert all(0 <= s.amount_fen <= s.need_fen for s in shares)
    eligible = sum(s.need_fen for s in shares if s.score > 0)
    assert sum(s.amount_fen for s in shares) == min(amount, eligible)
    assert [s.rank for s in shares] == list(range(1, len(shares) + 1))
    assert all(a.score >= b.score for a, b in zip(shares, shares[1:], strict=False))

"""Investment plans (谁受益、谁出资 per item): the utilities fund their own lines where the plan says
so (Zhengzhou 2019 五(二), Kaifeng 七(三)), the primary payer every other item (Zhengzhou 2019
五(一): the district), nobody named where the plan names no payer; a plan's items are integer fen
within the money ceiling and add up to its investment."""

from __future__ import annotations

import pytest

from services.funding.domain.plans import FundedBy, check_plan, funded_by
from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, get_profile
from shared.types import MONEY_CEILING_FEN

ZHENGZHOU = get_profile("zhengzhou-2019")
KAIFENG = get_profile("kaifeng-2019")


def with_funding(profile: ProgrammeProfile, **changes: object) -> ProgrammeProfile:
    assert profile.funding is not None
    return profile.model_copy(update={"funding": profile.funding.model_copy(update=changes)})


def test_zhengzhous_overhead_lines_are_funded_by_their_utilities_under_5_2() -> None:
    assert funded_by(ZHENGZHOU, "overhead-lines") == FundedBy(("power", "telecom", "cable-tv"), "五(二)")


def test_zhengzhous_other_items_are_funded_by_the_district_under_5_1() -> None:
    assert funded_by(ZHENGZHOU, "rain-sewage-separation") == FundedBy(("district",), "五(一)")
    assert funded_by(ZHENGZHOU, "no-such-item") == FundedBy(("district",), "五(一)")


def test_utilities_not_paying_for_their_lines_leave_the_item_to_the_district() -> None:
    assert ZHENGZHOU.funding is not None and ZHENGZHOU.funding.utility_works is not None
    works = ZHENGZHOU.funding.utility_works.model_copy(update={"self_funded": False})
    profile = with_funding(ZHENGZHOU, utility_works=works)
    assert funded_by(profile, "overhead-lines") == FundedBy(("district",), "五(一)")
    assert funded_by(with_funding(ZHENGZHOU, utility_works=None), "overhead-lines") == FundedBy(
        ("district",), "五(一)"
    )


def test_kaifeng_names_the_utility_for_its_lines_and_no_payer_for_the_rest() -> None:
    assert funded_by(KAIFENG, "water-supply") == FundedBy(("water",), "七(三)")
    assert funded_by(KAIFENG, "roads") == FundedBy((), "")
    assert funded_by(KAIFENG, "no-such-item") == FundedBy((), "")


def test_without_a_profile_or_funding_rules_no_one_is_named() -> None:
    assert funded_by(None, "roads") == FundedBy((), "")
    assert funded_by(get_profile("zhongyuan-2013"), "roads") == FundedBy((), "")
    assert funded_by(with_funding(ZHENGZHOU, co_funding=None), "rain-sewage-separation") == FundedBy((), "")


# check_plan ------------------------------------------------------------------------------------------


def refused(items: list[tuple[str, int]], investment_fen: int) -> list[FieldProblem]:
    with pytest.raises(RuleViolation) as caught:
        check_plan(items, investment_fen)
    assert caught.value.detail == "the investment plan does not add up"
    return caught.value.errors


def test_items_adding_up_to_the_investment_are_accepted_up_to_the_ceiling() -> None:
    check_plan([("roads", 600), ("lighting", 400)], 1_000)
    check_plan([("roads", MONEY_CEILING_FEN)], MONEY_CEILING_FEN)
    check_plan([("roads", 0)], 0)
    check_plan([], 0)


def test_items_one_fen_short_of_the_investment_are_refused_with_both_sums() -> None:
    assert refused([("roads", 600), ("lighting", 399)], 1_000) == [
        FieldProblem("items", "sum_equals_investment", "items add up to 999, not 1000")
    ]
    assert refused([("roads", 600), ("lighting", 401)], 1_000)[0].message == "items add up to 1001, not 1000"


def test_an_investment_outside_the_money_bounds_is_refused() -> None:
    assert refused([("roads", 0)], -1)[0] == FieldProblem(
        "investment_fen", "money_bounds", f"0..{MONEY_CEILING_FEN} fen"
    )
    problems = refused([("roads", MONEY_CEILING_FEN + 1)], MONEY_CEILING_FEN + 1)
    assert [(p.field, p.rule) for p in problems] == [
        ("investment_fen", "money_bounds"),
        ("items.0.investment_fen", "money_bounds"),
    ]


def test_an_item_outside_the_money_bounds_is_named_by_its_position() -> None:
    problems = refused([("roads", 5), ("lighting", -1), ("gates", 6)], 10)
    assert problems == [FieldProblem("items.1.investment_fen", "money_bounds", "within the ceiling")]

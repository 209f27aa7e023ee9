"""Property takeover (`services.registry.domain.takeover`): the mode must be one the plan names,
and where the plan sets service levels (Zhongyuan 三(二): 八有 for communities in fair condition,
四有 otherwise) the manager commits to exactly one level's items."""

from __future__ import annotations

import pytest

from services.registry.domain.takeover import check_takeover
from shared.errors import FieldProblem, RuleViolation
from shared.policy import get_profile

ZHONGYUAN = get_profile("zhongyuan-2013")
KAIFENG = get_profile("kaifeng-2019")
ZHENGZHOU_2018 = get_profile("zhengzhou-2018")
FOUR_HAVES = ["cleaning", "waste-removal", "order-maintenance", "routine-repair"]
EIGHT_HAVES = [
    "property-room",
    "public-cleaning",
    "order-maintenance",
    "parking-management",
    "facility-maintenance",
    "greening-care",
    "road-maintenance",
    "building-repair",
]


def refusal(*args: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        check_takeover(*args)  # type: ignore[arg-type]
    return caught.value


def test_a_mode_zhongyuan_does_not_name_is_refused_with_its_three_modes_listed() -> None:
    error = refusal(ZHONGYUAN, "property-company", "four-haves", [])
    assert error.errors == [
        FieldProblem(
            "mode",
            "takeover_mode",
            "modes: community-intervention, logistics-management, professional-company",
        )
    ]
    assert "zhongyuan-2013" in error.detail and "'property-company'" in error.detail


def test_without_commitments_the_manager_commits_to_every_item_of_the_level_in_the_plans_order() -> None:
    assert check_takeover(ZHONGYUAN, "logistics-management", "four-haves", []) == FOUR_HAVES
    assert check_takeover(ZHONGYUAN, "professional-company", "eight-haves", []) == EIGHT_HAVES


def test_commitments_naming_exactly_the_levels_items_in_any_order_are_kept_as_given() -> None:
    given = list(reversed(FOUR_HAVES))
    result = check_takeover(ZHONGYUAN, "community-intervention", "four-haves", tuple(given))
    assert result == given and isinstance(result, list)


def test_zhongyuan_asks_which_level_and_refuses_none_or_an_unknown_one() -> None:
    for level in (None, "three-haves"):
        error = refusal(ZHONGYUAN, "professional-company", level, [])
        assert error.errors == [
            FieldProblem("service_level", "service_level", "levels: eight-haves, four-haves")
        ]
        assert "zhongyuan-2013 asks which service level" in error.detail


def test_commitments_leaving_out_an_item_of_the_level_are_refused_naming_it() -> None:
    error = refusal(ZHONGYUAN, "professional-company", "four-haves", FOUR_HAVES[:3])
    assert error.errors == [
        FieldProblem("commitments", "service_level_items", "missing ['routine-repair'], unknown []")
    ]
    assert "four-haves" in error.detail


def test_commitments_naming_an_item_of_another_level_are_refused_naming_it() -> None:
    error = refusal(ZHONGYUAN, "professional-company", "four-haves", [*FOUR_HAVES, "parking-management"])
    assert error.errors == [
        FieldProblem("commitments", "service_level_items", "missing [], unknown ['parking-management']")
    ]


def test_a_plan_without_levels_refuses_a_level_and_keeps_the_commitments_given() -> None:
    error = refusal(KAIFENG, "property-company", "four-haves", [])
    assert error.errors == [FieldProblem("service_level", "service_level", "leave it out for this programme")]
    assert error.detail == "kaifeng-2019 sets no service levels"
    result = check_takeover(KAIFENG, "owner-self-management", None, ("cleaning",))
    assert result == ["cleaning"] and isinstance(result, list)


def test_kaifeng_refuses_a_mode_outside_its_two() -> None:
    error = refusal(KAIFENG, "logistics-management", None, [])
    assert error.errors[0].message == "modes: owner-self-management, property-company"


def test_a_plan_that_names_no_modes_takes_any_mode_code() -> None:
    assert check_takeover(ZHENGZHOU_2018, "anything-goes", None, []) == []

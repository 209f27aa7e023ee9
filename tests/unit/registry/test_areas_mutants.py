"""Demonstration areas (Zhengzhou 2018 四(一): 3个以上老旧小区, at least three) and the central-fund
list's refusals (Kaifeng 三: 117 communities), with the field and rule each names."""

from __future__ import annotations

import uuid

import pytest

from services.registry.domain.areas import (
    area_rule,
    check_central_fund_list,
    check_distinct,
    check_one_programme,
    check_size,
)
from shared.errors import RuleViolation
from shared.policy import get_profile

ZZ18 = get_profile("zhengzhou-2018")
ZZ19 = get_profile("zhengzhou-2019")
KF = get_profile("kaifeng-2019")


def _problems(error: RuleViolation) -> list[tuple[str, str, str]]:
    return [(p.field, p.rule, p.message) for p in error.errors]


def test_distinct_communities_pass_and_each_repeat_is_named_by_its_position() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    check_distinct([a, b, c])
    check_distinct([])
    with pytest.raises(RuleViolation) as caught:
        check_distinct([a, b, a, c, b, a])
    assert caught.value.detail == "a community is listed twice"
    assert _problems(caught.value) == [
        ("community_ids.2", "unique", f"{a} is listed twice"),
        ("community_ids.4", "unique", f"{b} is listed twice"),
        ("community_ids.5", "unique", f"{a} is listed twice"),
    ]


def test_an_area_of_one_programme_is_that_programme() -> None:
    assert check_one_programme(["zhengzhou-2018", "zhengzhou-2018", "zhengzhou-2018"]) == "zhengzhou-2018"
    assert check_one_programme(["zhengzhou-2018"]) == "zhengzhou-2018"


@pytest.mark.parametrize(
    ("programmes", "listed"),
    [
        (["zhengzhou-2019", "zhengzhou-2018", "zhengzhou-2019"], "zhengzhou-2018, zhengzhou-2019"),
        (
            ["zhongyuan-2013", "kaifeng-2019", "zhengzhou-2018"],
            "kaifeng-2019, zhengzhou-2018, zhongyuan-2013",
        ),
    ],
)
def test_an_area_mixing_programmes_is_refused_listing_them_in_order(
    programmes: list[str], listed: str
) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_one_programme(programmes)
    assert caught.value.detail == "an area's communities belong to one programme"
    assert _problems(caught.value) == [("community_ids", "same_programme", f"programmes: {listed}")]


def test_zhengzhou_2018_sets_areas_of_at_least_three_communities() -> None:
    rule = area_rule(ZZ18)
    assert (rule.min_communities, rule.clause) == (3, "四(一)")


@pytest.mark.parametrize("profile", [ZZ19, KF])
def test_a_programme_without_areas_refuses_one(profile) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleViolation) as caught:
        area_rule(profile)
    assert caught.value.detail == f"{profile.code} has no demonstration areas (示范区) in its plan"
    assert _problems(caught.value) == [
        ("community_ids", "demonstration_area_programme", f"{profile.code} sets no areas")
    ]


def test_three_communities_make_an_area_and_two_do_not() -> None:
    rule = area_rule(ZZ18)
    check_size(ZZ18, rule, 3)
    check_size(ZZ18, rule, 4)
    with pytest.raises(RuleViolation) as caught:
        check_size(ZZ18, rule, 2)
    assert caught.value.detail == (
        "a demonstration area holds at least 3 communities (郑政办〔2018〕14号 四(一)); 2 given"
    )
    assert _problems(caught.value) == [
        ("community_ids", "demonstration_area_size", "at least 3 communities (四(一))")
    ]


def test_the_central_fund_list_refusals_say_why() -> None:
    with pytest.raises(RuleViolation) as none:
        check_central_fund_list(ZZ19, 0)
    assert none.value.detail == "zhengzhou-2019 has no central-fund list"
    assert _problems(none.value) == [
        ("centrally_funded", "central_fund_list", "zhengzhou-2019 lists no communities")
    ]
    with pytest.raises(RuleViolation) as full:
        check_central_fund_list(KF, 117)
    assert full.value.detail == (
        "the central-fund list of kaifeng-2019 holds 117 communities (汴政办〔2019〕99号 三) and is full"
    )
    assert _problems(full.value) == [
        ("centrally_funded", "central_fund_list_full", "117 communities are listed (三)")
    ]

"""A plan's items come from the programme's menu-style catalogue, each once."""

from __future__ import annotations

import pytest

from services.registry.domain.planning import check_items
from shared.errors import RuleViolation
from shared.policy import get_profile

ZZ19 = get_profile("zhengzhou-2019")


def _problems(error: RuleViolation) -> list[tuple[str, str, str]]:
    return [(p.field, p.rule, p.message) for p in error.errors]


def test_catalogue_items_listed_once_each_pass() -> None:
    check_items(ZZ19, ["rain-sewage-separation", "overhead-lines", "security-doors"])
    check_items(ZZ19, [])


def test_an_item_from_another_programmes_catalogue_and_a_repeat_are_each_named() -> None:
    codes = ["rain-sewage-separation", "water-pipes", "overhead-lines", "rain-sewage-separation"]
    with pytest.raises(RuleViolation) as caught:
        check_items(ZZ19, codes)
    assert caught.value.detail == "the items must come from the programme's catalogue, once each"
    assert _problems(caught.value) == [
        ("items.1.item_code", "catalogue_item", "zhengzhou-2019 has no item 'water-pipes'"),
        ("items.3.item_code", "unique", "'rain-sewage-separation' is listed twice"),
    ]


def test_an_unknown_item_listed_twice_breaks_both_rules_under_the_callers_field() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_items(get_profile("zhongyuan-2013"), ["lifts", "lifts"], field="revision.items")
    assert _problems(caught.value) == [
        ("revision.items.0.item_code", "catalogue_item", "zhongyuan-2013 has no item 'lifts'"),
        ("revision.items.1.item_code", "catalogue_item", "zhongyuan-2013 has no item 'lifts'"),
        ("revision.items.1.item_code", "unique", "'lifts' is listed twice"),
    ]

"""Defects found at a failed acceptance may name the catalogue item they concern: a problem names
the defect by its place in the body, and several defects may concern one item."""

from __future__ import annotations

import pytest

from services.registry.domain.planning import check_items
from shared.errors import RuleViolation
from shared.policy import get_profile

KAIFENG = get_profile("kaifeng-2019")
ITEM = KAIFENG.catalogue.items[0].code


def test_a_problem_names_the_defect_by_its_place_in_the_body() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_items(KAIFENG, [None, ITEM, "moon-base"], field="defects", unique=False)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("defects.2.item_code", "catalogue_item")]


def test_several_defects_may_concern_one_item_but_a_plan_lists_each_item_once() -> None:
    check_items(KAIFENG, [ITEM, None, ITEM], field="defects", unique=False)
    with pytest.raises(RuleViolation) as caught:
        check_items(KAIFENG, [ITEM, ITEM])
    assert [(p.field, p.rule) for p in caught.value.errors] == [("items.1.item_code", "unique")]

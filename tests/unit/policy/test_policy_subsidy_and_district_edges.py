"""Edges of the property-subsidy arithmetic and the district check's wording that the per-plan
tests leave open (survivors of `scripts/mutation.py policy`, see tests/MUTATION.md).

郑州 2019 sets 0.30 元/m²/月 for at least 36 months; 参照执行 districts that pay their own way are
told so in the district check."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from shared.policy import RuleAbsentError, get_profile
from shared.policy.rules.eligibility import is_eligible
from shared.policy.rules.funding import minimum_subsidy_fen, property_subsidy_fen

ZZ = get_profile("zhengzhou-2019")


def test_no_area_or_no_months_owes_nothing_rather_than_being_refused() -> None:
    assert property_subsidy_fen(ZZ, 0, 36) == 0
    assert property_subsidy_fen(ZZ, Decimal("100"), 0) == 0


@pytest.mark.parametrize(
    ("area", "months"), [(Decimal("-1"), 12), (Decimal("100"), -1), (Decimal("NaN"), 12)]
)
def test_a_negative_or_non_finite_input_is_refused_with_the_reason(area: Decimal, months: int) -> None:
    with pytest.raises(ValueError, match="^floor area and months must not be negative$"):
        property_subsidy_fen(ZZ, area, months)


@pytest.mark.parametrize("area", ["100", 100.0, True])
def test_an_area_that_is_not_decimal_or_int_is_a_type_error_naming_the_value(area: object) -> None:
    with pytest.raises(
        TypeError, match=f"^{re.escape(f'floor_area_m2 must be Decimal or int, got {area!r}')}$"
    ):
        property_subsidy_fen(ZZ, area, 12)  # type: ignore[arg-type]


@pytest.mark.parametrize("months", [Decimal("3"), "3", 3.0, True])
def test_months_that_are_not_an_int_are_a_type_error_naming_the_value(months: object) -> None:
    with pytest.raises(TypeError, match=f"^{re.escape(f'months must be an int, got {months!r}')}$"):
        property_subsidy_fen(ZZ, Decimal("100"), months)  # type: ignore[arg-type]


def test_a_plan_with_a_rate_but_no_minimum_period_says_so() -> None:
    assert ZZ.funding is not None and ZZ.funding.property_subsidy is not None
    subsidy = ZZ.funding.property_subsidy.model_copy(update={"min_months": None})
    profile = ZZ.model_copy(update={"funding": ZZ.funding.model_copy(update={"property_subsidy": subsidy})})
    with pytest.raises(RuleAbsentError, match="^zhengzhou-2019: the plan sets no minimum subsidy period$"):
        minimum_subsidy_fen(profile, Decimal("100"))


def test_a_self_funded_by_reference_district_is_told_it_pays_its_own_way() -> None:
    (check,) = [c for c in is_eligible(ZZ, 2000, district="zz-shangjie").checks if c.code == "district"]
    assert check.passed
    assert check.message == "上街区 may follow the plan by reference (参照执行), at its own cost"
    (inside,) = [c for c in is_eligible(ZZ, 2000, district="zz-jinshui").checks if c.code == "district"]
    assert inside.message == "金水区 is in scope"

"""Edges of the property-subsidy arithmetic and the district check's wording that the per-plan
tests leave open (survivors of `scripts/mutation.py policy`, see tests/MUTATION.md).

郑州 2019 sets 0.30 元/m²/月 for at least 36 months; 参照执行 districts that pay their own way are
told so in the district check."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from shared.policy import RuleAbsentError, get_profile
from shared.policy.models.base import Reading
from shared.policy.rules.eligibility import built_year_cutoff, is_eligible
from shared.policy.rules.funding import (
    AwardBasis,
    award_fen,
    award_true_up_fen,
    minimum_subsidy_fen,
    property_subsidy_fen,
    subsidy_rule,
)

ZZ = get_profile("zhengzhou-2019")
APPROVED_REFUSAL = "zhengzhou-2019: the award is computed on accepted_investment or audited_investment, not approved_investment"


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


def test_a_subsidy_of_half_a_fen_rounds_up_not_to_even() -> None:
    # 0.30 元 = 30 fen × 0.15 m² × 1 month = 4.5 fen: half-up gives 5 (banker's rounding would give 4)
    assert property_subsidy_fen(ZZ, Decimal("0.15"), 1) == 5


def test_the_built_year_reading_is_explained_with_its_boundary_and_whose_reading_it_is() -> None:
    assert built_year_cutoff(ZZ).explanation_en == (
        "二 “2002年以前建成投入使用” is read as excluding 2002: communities built in 2001 or earlier "
        "are admitted (this platform's reading, for the office to confirm)"
    )
    assert ZZ.eligibility.built_before is not None
    as_written = ZZ.eligibility.built_before.model_copy(
        update={"inclusive": True, "reading": Reading.DOCUMENT}
    )
    profile = ZZ.model_copy(
        update={"eligibility": ZZ.eligibility.model_copy(update={"built_before": as_written})}
    )
    explanation = built_year_cutoff(profile).explanation_en
    assert " is read as including 2002: " in explanation and explanation.endswith("(as written)")


def test_each_exclusion_check_says_whether_it_applies() -> None:
    decision = is_eligible(ZZ, 2000, {"shanty-town-programme"})
    messages = {c.code: c.message for c in decision.checks}
    assert messages["shanty-town-programme"] == "excluded: 已列入棚户区改造"
    assert messages["demolition-within-three-years"] == "not excluded: 三年内征收拆迁"


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        (
            "zhengzhou-2018",
            ValueError,
            "zhengzhou-2018: unknown exclusion codes ['x'] (this plan's exclusions: none)",
        ),
        (
            "zhengzhou-2019",
            ValueError,
            "zhengzhou-2019: unknown exclusion codes ['x'] (this plan's exclusions: "
            "['demolition-within-three-years', 'shanty-town-programme', 'three-supplies-one-property'])",
        ),
    ],
)
def test_an_unknown_exclusion_is_refused_listing_the_plans_own(code: str, error: type, message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        is_eligible(get_profile(code), 2000, {"x"})


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: is_eligible(ZZ, "2001"), TypeError, "built_year must be an int year, got '2001'"),
        (lambda: award_fen(ZZ, 1.0), TypeError, "basis_fen must be integer fen, got 1.0"),
        (lambda: award_fen(ZZ, -1), ValueError, "basis_fen must not be negative, got -1"),
        (
            lambda: award_fen(ZZ, 100, basis=AwardBasis.APPROVED_INVESTMENT),
            ValueError,
            APPROVED_REFUSAL,
        ),
        (
            lambda: award_true_up_fen(get_profile("kaifeng-2019"), 1, 1),
            RuleAbsentError,
            "kaifeng-2019: the award is not trued up on the audited figure",
        ),
        (lambda: award_true_up_fen(ZZ, 1.5, 1), TypeError, "awarded_fen must be integer fen, got 1.5"),
        (
            lambda: subsidy_rule(get_profile("kaifeng-2019")),
            RuleAbsentError,
            "kaifeng-2019: the plan sets no property-subsidy rate",
        ),
    ],
    ids=["built year", "float fen", "negative fen", "wrong basis", "no true-up", "float award", "no rate"],
)
def test_a_refused_rule_call_says_which_input_and_why(call, error: type, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call()

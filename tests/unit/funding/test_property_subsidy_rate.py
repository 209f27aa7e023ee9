"""Zhengzhou 2019 五(三): the rate is "in principle at least 0.3 yuan (30 fen) per m² per month".
More is always allowed; less departs from the standard, so it needs the district's reason (原则上)
and is refused outright where a plan states the rate without qualifier."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.funding.domain.property_subsidy import schedule, subsidy_rate
from shared.errors import RuleViolation
from shared.policy import ProgrammeProfile, Strictness, get_profile, property_subsidy_fen

ZHENGZHOU = get_profile("zhengzhou-2019")


def _strict(profile: ProgrammeProfile) -> ProgrammeProfile:
    """The same plan with the rate stated without "in principle"."""
    assert profile.funding is not None and profile.funding.property_subsidy is not None
    rule = profile.funding.property_subsidy.model_copy(update={"strictness": Strictness.MANDATORY})
    return profile.model_copy(
        update={"funding": profile.funding.model_copy(update={"property_subsidy": rule})}
    )


def _problems(refusal: pytest.ExceptionInfo[RuleViolation]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in refusal.value.errors]


def test_the_standard_rate_is_paid_when_none_is_stated_and_more_is_allowed() -> None:
    assert subsidy_rate(ZHENGZHOU, None, None) == 30
    assert subsidy_rate(ZHENGZHOU, 30, None) == 30
    assert subsidy_rate(ZHENGZHOU, 45, None) == 45
    assert subsidy_rate(_strict(ZHENGZHOU), 31, None) == 31


def test_a_rate_below_the_standard_needs_the_districts_reason() -> None:
    assert subsidy_rate(ZHENGZHOU, 29, "区财政困难，经区政府常务会议研究同意") == 29
    for reason in (None, "", "   "):
        with pytest.raises(RuleViolation) as refusal:
            subsidy_rate(ZHENGZHOU, 29, reason)
        assert _problems(refusal) == [("below_standard_reason", "required_below_standard")]
        assert "30 fen" in str(refusal.value) and "五(三)" in str(refusal.value)
        assert "30 fen" in refusal.value.errors[0].message  # what the district reads beside the field


def test_a_plan_without_qualifier_refuses_a_lower_rate_even_with_a_reason() -> None:
    with pytest.raises(RuleViolation) as refusal:
        subsidy_rate(_strict(ZHENGZHOU), 29, "理由")
    assert _problems(refusal) == [("fen_per_m2_month", "at_least_minimum_rate")]
    assert "30 fen" in str(refusal.value) and refusal.value.errors[0].message == "30 or more"


def test_the_schedule_pays_the_stated_rate() -> None:
    # 45 fen × 1 000.03 m² = 45 001.35 fen a month; × 36 = 1 620 048.6 → 1 620 049 (half-up once)
    months = schedule(ZHENGZHOU, Decimal("1000.03"), date(2026, 11, 20), fen_per_m2_month=45)
    assert sum(m.amount_fen for m in months) == 1_620_049
    assert [m.amount_fen for m in months[:2]] == [45_002, 45_002] and months[-1].amount_fen == 45_001
    assert property_subsidy_fen(ZHENGZHOU, Decimal("1000.03"), 36) == 1_080_032  # 30 fen: 1 080 032.4


@pytest.mark.parametrize("rate", [0, -1, True])
def test_a_rate_is_a_positive_whole_number_of_fen(rate: object) -> None:
    with pytest.raises(ValueError):
        property_subsidy_fen(ZHENGZHOU, Decimal(1), 36, rate)  # type: ignore[arg-type]


def test_where_the_plan_sets_no_rate_the_payer_states_one() -> None:
    """Kaifeng 六(五) "可": any stated rate is the payer's own; none stated is refused, naming the field."""
    kaifeng = get_profile("kaifeng-2019")
    assert subsidy_rate(kaifeng, 5, None) == 5
    with pytest.raises(RuleViolation) as refusal:
        subsidy_rate(kaifeng, None, None)
    assert _problems(refusal) == [("fen_per_m2_month", "required")]
    assert (
        "六(五)" in str(refusal.value)
        and refusal.value.errors[0].message == "fen per m² of floor area per month"
    )

"""Zhengzhou 2019 五(三): at least 0.3 yuan per m² per month for at least 36 months, as monthly
amounts adding up exactly to the total; the remainder goes one fen each to the earliest months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.funding.domain.property_subsidy import schedule, split_evenly
from shared.errors import RuleViolation
from shared.policy import RuleAbsentError, get_profile

ZHENGZHOU = get_profile("zhengzhou-2019")


def test_the_default_schedule_is_36_months_at_30_fen_per_m2() -> None:
    months = schedule(ZHENGZHOU, Decimal(10_000), date(2026, 11, 20))
    assert len(months) == 36
    assert {m.amount_fen for m in months} == {300_000}  # 10 000 m² × 30 fen
    assert months[0].month == date(2026, 12, 1)  # the first full month after takeover
    assert months[-1].month == date(2029, 11, 1)


def test_the_months_add_up_exactly_and_the_remainder_goes_to_the_earliest_months() -> None:
    # 1234.57 m² × 30 fen × 36 = 1 333 335.6 fen → 1 333 336 (half-up); 37 037 × 36 = 1 333 332, rest 4
    months = schedule(ZHENGZHOU, Decimal("1234.57"), date(2026, 1, 31))
    amounts = [m.amount_fen for m in months]
    assert sum(amounts) == 1_333_336
    assert amounts[:4] == [37_038] * 4 and set(amounts[4:]) == {37_037}


def test_a_longer_period_is_allowed_a_shorter_one_refused() -> None:
    assert len(schedule(ZHENGZHOU, Decimal(1), date(2026, 12, 15), months=48)) == 48
    with pytest.raises(RuleViolation):
        schedule(ZHENGZHOU, Decimal(1), date(2026, 12, 15), months=35)


def test_december_takeover_starts_in_january() -> None:
    assert schedule(ZHENGZHOU, Decimal(1), date(2026, 12, 15))[0].month == date(2027, 1, 1)


def test_a_float_or_negative_area_is_refused() -> None:
    with pytest.raises(RuleViolation):
        schedule(ZHENGZHOU, 100.5, date(2026, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(RuleViolation):
        schedule(ZHENGZHOU, Decimal(-1), date(2026, 1, 1))


def test_a_programme_without_a_rate_schedules_only_what_the_payer_states() -> None:
    """Kaifeng 六(五) "可": no rate, no period in the plan; with none stated there is no schedule."""
    kaifeng = get_profile("kaifeng-2019")
    with pytest.raises(RuleAbsentError):
        schedule(kaifeng, Decimal(100), date(2026, 1, 1), months=12)
    with pytest.raises(RuleViolation) as refusal:
        schedule(kaifeng, Decimal(100), date(2026, 1, 1), fen_per_m2_month=20)
    assert [(p.field, p.rule) for p in refusal.value.errors] == [("months", "required")]
    assert str(refusal.value) == "the plan sets no subsidy period (kaifeng-2019 六(五)): state the months"
    months = schedule(kaifeng, Decimal(100), date(2026, 1, 1), months=12, fen_per_m2_month=20)
    assert [m.amount_fen for m in months] == [2_000] * 12 and months[0].month == date(2026, 2, 1)


def test_a_programme_without_a_subsidy_has_no_schedule() -> None:
    with pytest.raises(RuleAbsentError, match="^zhengzhou-2018: the plan sets no property-service subsidy$"):
        schedule(
            get_profile("zhengzhou-2018"), Decimal(100), date(2026, 1, 1), months=36, fen_per_m2_month=30
        )


@pytest.mark.parametrize(("total", "months"), [(0, 36), (35, 36), (36, 36), (10**13 + 7, 36), (7, 1)])
def test_split_evenly_sums_to_the_total_within_one_fen(total: int, months: int) -> None:
    parts = split_evenly(total, months)
    assert len(parts) == months and sum(parts) == total and max(parts) - min(parts) <= 1

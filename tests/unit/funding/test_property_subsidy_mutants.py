"""Property-service subsidy (Zhengzhou 2019 五(三): 区级财政, at least 30 fen per m² per month for at
least 36 months, paid in arrears): the split, the calendar, the floor area, arrears and payments,
each boundary on both sides and each refusal naming its field and rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.funding.domain.property_subsidy import (
    MonthlyAmount,
    MonthStatus,
    add_months,
    arrears,
    check_payment,
    first_month_after,
    may_pay,
    month_end,
    schedule,
    schedule_area,
    split_evenly,
    statuses,
)
from shared.access import OrganisationKind, Principal
from shared.errors import FieldProblem, RuleViolation
from shared.policy import Party, get_profile
from tests.unit.funding.profiles import with_subsidy

ZHENGZHOU = get_profile("zhengzhou-2019")


def district(code: str, kind: OrganisationKind = OrganisationKind.DISTRICT) -> Principal:
    return Principal(subject=f"{code}-clerk", org_code=code, org_kind=kind, district_code=code)


def at_shanghai_midnight_of(day: date) -> datetime:
    """The instant Shanghai's `day` begins (16:00 UTC the day before)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)


# split_evenly ---------------------------------------------------------------------------------


def test_the_remainder_goes_one_fen_each_to_the_earliest_months_only() -> None:
    # 10 fen over 4 months: 2 each, 2 fen left over go to months 1 and 2
    assert split_evenly(10, 4) == [3, 3, 2, 2]
    assert split_evenly(11, 4) == [3, 3, 3, 2]
    assert split_evenly(8, 4) == [2, 2, 2, 2]
    assert split_evenly(3, 4) == [1, 1, 1, 0]


def test_nothing_to_split_gives_zero_months_and_one_month_takes_everything() -> None:
    assert split_evenly(0, 3) == [0, 0, 0]
    assert split_evenly(7, 1) == [7]


@pytest.mark.parametrize("total", [-1, 1.0, True, Decimal(5), "5", None])
def test_split_refuses_a_total_that_is_not_non_negative_integer_fen(total: object) -> None:
    with pytest.raises(ValueError, match=r"total must be non-negative integer fen, got "):
        split_evenly(total, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("months", [0, -1, 2.0, True, None])
def test_split_refuses_a_period_that_is_not_a_positive_integer(months: object) -> None:
    with pytest.raises(ValueError, match=r"months must be a positive integer, got "):
        split_evenly(10, months)  # type: ignore[arg-type]


def test_split_names_the_refused_value() -> None:
    with pytest.raises(ValueError, match=r"got -1$"):
        split_evenly(-1, 3)
    with pytest.raises(ValueError, match=r"got 0$"):
        split_evenly(3, 0)


# the calendar ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("takeover", "first"),
    [
        (date(2026, 1, 1), date(2026, 2, 1)),
        (date(2026, 1, 31), date(2026, 2, 1)),
        (date(2026, 11, 30), date(2026, 12, 1)),
        (date(2026, 12, 1), date(2027, 1, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_the_first_subsidised_month_is_the_calendar_month_after_takeover(takeover: date, first: date) -> None:
    assert first_month_after(takeover) == first


@pytest.mark.parametrize(
    ("month", "count", "expected"),
    [
        (date(2026, 12, 1), 0, date(2026, 12, 1)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 1, 1), 11, date(2026, 12, 1)),
        (date(2026, 1, 1), 12, date(2027, 1, 1)),
        (date(2026, 12, 1), 35, date(2029, 11, 1)),
        (date(2027, 1, 1), -1, date(2026, 12, 1)),
    ],
)
def test_adding_months_crosses_years(month: date, count: int, expected: date) -> None:
    assert add_months(month, count) == expected


@pytest.mark.parametrize(
    ("month", "last"),
    [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2028, 2, 1), date(2028, 2, 29)),
        (date(2026, 4, 1), date(2026, 4, 30)),
        (date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_a_month_ends_on_its_last_calendar_day(month: date, last: date) -> None:
    assert month_end(month) == last


# schedule ---------------------------------------------------------------------------------------


def test_the_schedule_is_consecutive_months_from_the_month_after_takeover() -> None:
    months = schedule(ZHENGZHOU, Decimal(100), date(2026, 11, 30))
    assert [m.month for m in months[:3]] == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    assert all(isinstance(m, MonthlyAmount) for m in months)
    assert months[-1].month == date(2029, 11, 1)  # 36 months: Dec 2026 .. Nov 2029


def test_exactly_the_minimum_period_is_allowed_and_one_month_less_refused_naming_the_clause() -> None:
    assert len(schedule(ZHENGZHOU, Decimal(1), date(2026, 1, 15), months=36)) == 36
    with pytest.raises(RuleViolation) as refused:
        schedule(ZHENGZHOU, Decimal(1), date(2026, 1, 15), months=35)
    assert refused.value.errors == [FieldProblem("months", "at_least_minimum_period", "36 months or more")]
    assert refused.value.detail == "the subsidy period is at least 36 months (zhengzhou-2019 五(三))"


def test_a_longer_period_is_paid_at_the_rate_for_every_month() -> None:
    # 100 m² × 30 fen = 3 000 fen a month, for 48 months
    months = schedule(ZHENGZHOU, Decimal(100), date(2026, 1, 15), months=48)
    assert len(months) == 48
    assert {m.amount_fen for m in months} == {3_000}
    assert sum(m.amount_fen for m in months) == 144_000


def test_the_profiles_minimum_period_is_read_not_assumed() -> None:
    profile = with_subsidy(min_months=24)
    assert len(schedule(profile, Decimal(1), date(2026, 1, 15))) == 24
    assert len(schedule(profile, Decimal(1), date(2026, 1, 15), months=24)) == 24
    with pytest.raises(RuleViolation) as refused:
        schedule(profile, Decimal(1), date(2026, 1, 15), months=23)
    assert refused.value.errors[0].message == "24 months or more"


def test_a_profile_without_a_minimum_period_needs_a_stated_one_of_at_least_one_month() -> None:
    profile = with_subsidy(min_months=None)
    with pytest.raises(RuleViolation) as unstated:
        schedule(profile, Decimal(100), date(2026, 1, 15))
    assert unstated.value.errors == [FieldProblem("months", "required", "the period in months")]
    (only,) = schedule(profile, Decimal(100), date(2026, 1, 15), months=1)
    assert only == MonthlyAmount(date(2026, 2, 1), 3_000)
    assert len(schedule(profile, Decimal(100), date(2026, 1, 15), months=1)) == 1
    with pytest.raises(RuleViolation) as refused:
        schedule(profile, Decimal(100), date(2026, 1, 15), months=0)
    assert refused.value.errors[0] == FieldProblem("months", "at_least_minimum_period", "1 months or more")


def test_a_zero_area_is_a_schedule_of_zero_months() -> None:
    months = schedule(ZHENGZHOU, Decimal(0), date(2026, 1, 15))
    assert len(months) == 36 and {m.amount_fen for m in months} == {0}


@pytest.mark.parametrize(
    "area", [Decimal("-0.01"), Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), 100.5, 100]
)
def test_an_area_that_is_not_a_finite_non_negative_decimal_is_refused_naming_the_field(area: object) -> None:
    with pytest.raises(RuleViolation) as refused:
        schedule(ZHENGZHOU, area, date(2026, 1, 15))  # type: ignore[arg-type]
    assert refused.value.errors == [
        FieldProblem("floor_area_m2", "non_negative_decimal", "square metres, e.g. 12345.67")
    ]
    assert refused.value.detail == "the floor area must be a non-negative Decimal"


# schedule_area -------------------------------------------------------------------------------------


def test_the_ledgers_area_is_used_when_the_takeover_carries_it() -> None:
    assert schedule_area(Decimal("25000.50"), None) == Decimal("25000.50")
    assert schedule_area(Decimal("25000.50"), Decimal("25000.5")) == Decimal("25000.50")


def test_a_stated_area_different_from_the_ledgers_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        schedule_area(Decimal("25000.50"), Decimal("25000.51"))
    assert refused.value.errors == [
        FieldProblem("floor_area_m2", "matches_ledger", "omit it, or send the ledger's 25000.50")
    ]
    assert refused.value.detail == "the floor area comes from the registry's ledger"


def test_without_a_ledger_area_the_stated_one_is_used_and_one_is_required() -> None:
    assert schedule_area(None, Decimal("812.3")) == Decimal("812.3")
    with pytest.raises(RuleViolation) as refused:
        schedule_area(None, None)
    assert refused.value.errors == [
        FieldProblem("floor_area_m2", "required", 'square metres as a decimal string, e.g. "25000.50"')
    ]
    assert refused.value.detail == "the takeover carried no floor area: state it"


# statuses and arrears -------------------------------------------------------------------------------

DEC, JAN, FEB = date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)
PLAN = [MonthlyAmount(DEC, 3_001), MonthlyAmount(JAN, 3_000), MonthlyAmount(FEB, 3_000)]


def test_payments_add_up_per_month_and_unpaid_months_owe_everything() -> None:
    months = statuses(PLAN, [(DEC, 1_000), (DEC, 2_001), (JAN, 500), (date(2030, 1, 1), 9)])
    assert months == [
        MonthStatus(DEC, 3_001, 3_001),
        MonthStatus(JAN, 3_000, 500),
        MonthStatus(FEB, 3_000, 0),
    ]
    assert [m.owed_fen for m in months] == [0, 2_500, 3_000]


def test_a_month_falls_due_the_day_after_it_ends_in_shanghai() -> None:
    months = statuses(PLAN, [])
    # 31 Dec 2026 in Shanghai: December has not ended yet
    assert arrears(months, at_shanghai_midnight_of(date(2026, 12, 31))) == []
    # 1 Jan 2027 00:00 Shanghai is still 31 Dec in UTC, but December has ended
    assert [m.month for m in arrears(months, at_shanghai_midnight_of(date(2027, 1, 1)))] == [DEC]
    assert [m.month for m in arrears(months, at_shanghai_midnight_of(date(2027, 2, 1)))] == [DEC, JAN]


def test_a_fully_paid_or_overpaid_month_is_not_in_arrears() -> None:
    months = [MonthStatus(DEC, 3_000, 3_000), MonthStatus(JAN, 3_000, 3_100), MonthStatus(FEB, 3_000, 2_999)]
    late = arrears(months, datetime(2027, 6, 1, tzinfo=UTC))
    assert late == [MonthStatus(FEB, 3_000, 2_999)]
    assert late[0].owed_fen == 1


# may_pay ----------------------------------------------------------------------------------------------


def test_the_district_pays_its_own_communities_subsidy_and_no_other_districts() -> None:
    assert may_pay(ZHENGZHOU, district("zz-jinshui"), "zz-jinshui")
    assert may_pay(ZHENGZHOU, district("zz-jinshui", OrganisationKind.STREET_OFFICE), "zz-jinshui")
    assert not may_pay(ZHENGZHOU, district("zz-erqi"), "zz-jinshui")
    finance = Principal(subject="f", org_code="finance", org_kind=OrganisationKind.DEPARTMENT)
    assert not may_pay(ZHENGZHOU, finance, "zz-jinshui")


def test_a_profile_whose_payer_is_not_the_district_gives_the_district_no_right() -> None:
    city_pays = with_subsidy(payers=(Party.CITY,))
    assert not may_pay(city_pays, district("zz-jinshui"), "zz-jinshui")
    assert not may_pay(city_pays, district("zz-erqi"), "zz-jinshui")


# check_payment ------------------------------------------------------------------------------------------

NOW = at_shanghai_midnight_of(date(2027, 3, 10))  # 10 Mar 2027 in Shanghai, still 9 Mar in UTC
OWING = [MonthStatus(DEC, 3_000, 1_000), MonthStatus(JAN, 3_000, 0)]


def test_a_payment_up_to_what_the_month_still_owes_dated_today_is_accepted() -> None:
    check_payment(OWING, DEC, 2_000, date(2027, 3, 10), NOW)
    check_payment(OWING, JAN, 1, date(2026, 12, 1), NOW)


def test_one_fen_above_what_the_month_owes_is_refused_naming_the_owed_amount() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_payment(OWING, DEC, 2_001, date(2027, 3, 1), NOW)
    assert refused.value.errors == [
        FieldProblem("amount_fen", "exceeds_month_owed", "at most 2000 fen is owed for 2026-12-01")
    ]
    assert refused.value.detail == "the property-subsidy payment is refused"


def test_a_payment_to_a_month_outside_the_schedule_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_payment(OWING, date(2026, 12, 2), 1, date(2027, 3, 1), NOW)
    assert refused.value.errors == [
        FieldProblem("month", "scheduled_month", "the first day of a month in the schedule")
    ]


def test_a_payment_dated_after_today_in_shanghai_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_payment(OWING, DEC, 1, date(2027, 3, 11), NOW)
    assert refused.value.errors == [FieldProblem("paid_on", "not_in_future", "on or before 2027-03-10")]


def test_every_problem_of_a_payment_is_named_at_once() -> None:
    with pytest.raises(RuleViolation) as refused:
        check_payment(OWING, FEB, 1, date(2027, 3, 11), NOW)
    assert [(p.field, p.rule) for p in refused.value.errors] == [
        ("month", "scheduled_month"),
        ("paid_on", "not_in_future"),
    ]
    with pytest.raises(RuleViolation) as refused:
        check_payment(OWING, JAN, 3_001, date(2027, 3, 11), NOW)
    assert [(p.field, p.rule) for p in refused.value.errors] == [
        ("amount_fen", "exceeds_month_owed"),
        ("paid_on", "not_in_future"),
    ]

"""The property-service subsidy schedule (Zhengzhou 2019 五(三)): from property takeover, at least
the profile's rate (0.3 yuan = 30 fen per m² of floor area per month) for at least its minimum
period (36 months), as monthly amounts that add up exactly to the total.

Rounding, stated once: the total is rate × floor area × months rounded half-up to a whole fen
(`shared.policy.property_subsidy_fen`); it is split into equal whole-fen months and the remainder
(fewer fen than there are months) goes one fen each to the earliest months, so no month differs
from another by more than one fen and the sum is the total to the fen.

The first month is the calendar month after takeover (the first full month of service). The floor
area is the one the registry's PropertyTakenOver carries from its ledger (建筑面积); only where the
event carries none (an older producer) does the paying district state it with the schedule, and a
figure different from the ledger's is refused (`schedule_area`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from shared.access import Principal, writes_district
from shared.clock import shanghai_date
from shared.errors import FieldProblem, RuleViolation
from shared.policy import Party, ProgrammeProfile, property_subsidy_fen, property_subsidy_terms


@dataclass(frozen=True)
class MonthlyAmount:
    month: date  # the first day of the month
    amount_fen: int


def split_evenly(total_fen: int, months: int) -> list[int]:
    """`total_fen` over `months` whole-fen amounts; the remainder goes one fen each to the first months."""
    if isinstance(total_fen, bool) or not isinstance(total_fen, int) or total_fen < 0:
        raise ValueError(f"total must be non-negative integer fen, got {total_fen!r}")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError(f"months must be a positive integer, got {months!r}")
    base, remainder = divmod(total_fen, months)
    return [base + 1 if index < remainder else base for index in range(months)]


def first_month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def subsidy_rate(profile: ProgrammeProfile, requested_fen: int | None, reason: str | None) -> int:
    """The rate a schedule pays, in fen per m² per month: the plan's minimum unless the district
    states another. More is always allowed (不低于 sets a floor). Less departs from the standard:
    refused where the plan states it without qualifier, and where it says "in principle" (原则上,
    Zhengzhou 2019 五(三)) allowed only with the district's reason, which the schedule keeps and
    shows (`below_standard`).

    Where the plan allows a subsidy but sets no rate (Kaifeng 六(五): 市、县（区）财政"可"给予一定资金
    补助), the payer states its own rate, and there is no standard to fall below.

    Raises:
        RuleAbsentError: the programme has no property-service subsidy.
        RuleViolation: no rate stated where the plan sets none; a rate below the minimum where the
            plan allows none, or without a reason.
    """
    rule = property_subsidy_terms(profile)
    minimum = rule.min_fen_per_m2_month
    if minimum is None:
        if requested_fen is None:
            raise RuleViolation(
                f"the plan sets no subsidy rate ({profile.code} {rule.clause}): state the rate paid",
                [FieldProblem("fen_per_m2_month", "required", "fen per m² of floor area per month")],
            )
        return requested_fen
    if requested_fen is None or requested_fen >= minimum:
        return minimum if requested_fen is None else requested_fen
    standard = f"at least {minimum} fen per m² per month ({profile.code} {rule.clause})"
    if rule.mandatory:
        raise RuleViolation(
            f"the subsidy rate is {standard}",
            [FieldProblem("fen_per_m2_month", "at_least_minimum_rate", f"{minimum} or more")],
        )
    if not (reason or "").strip():
        raise RuleViolation(
            f"a rate below the standard ({standard}, {rule.qualifier_zh}) needs the district's reason",
            [
                FieldProblem(
                    "below_standard_reason",
                    "required_below_standard",
                    f"why the district pays less than {minimum} fen",
                )
            ],
        )
    return requested_fen


def schedule(
    profile: ProgrammeProfile,
    floor_area_m2: Decimal,
    taken_over_on: date,
    months: int | None = None,
    fen_per_m2_month: int | None = None,
) -> list[MonthlyAmount]:
    """The monthly subsidy amounts for a community taken over on `taken_over_on`.

    Args:
        profile: the programme's profile (its property-subsidy rate and minimum period).
        floor_area_m2: the community's floor area (建筑面积), a Decimal, never a float.
        taken_over_on: the takeover date (Asia/Shanghai calendar day).
        months: the period; the profile's minimum when omitted, never shorter.
        fen_per_m2_month: the rate (checked by `subsidy_rate`); the profile's minimum when omitted.

    Raises:
        RuleAbsentError: the programme has no property-service subsidy, or sets no rate and none
            was given.
        RuleViolation: a period shorter than the programme's minimum, none given where the plan
            sets none, or a negative area.
    """
    rule = property_subsidy_terms(profile)
    if months is None and rule.min_months is None:
        raise RuleViolation(
            f"the plan sets no subsidy period ({profile.code} {rule.clause}): state the months",
            [FieldProblem("months", "required", "the period in months")],
        )
    minimum = rule.min_months or 1
    period = minimum if months is None else months
    if period < minimum:
        raise RuleViolation(
            f"the subsidy period is at least {minimum} months ({profile.code} {rule.clause})",
            [FieldProblem("months", "at_least_minimum_period", f"{minimum} months or more")],
        )
    if not isinstance(floor_area_m2, Decimal) or not floor_area_m2.is_finite() or floor_area_m2 < 0:
        raise RuleViolation(
            "the floor area must be a non-negative Decimal",
            [FieldProblem("floor_area_m2", "non_negative_decimal", "square metres, e.g. 12345.67")],
        )
    total = property_subsidy_fen(profile, floor_area_m2, period, fen_per_m2_month)
    start = first_month_after(taken_over_on)
    return [
        MonthlyAmount(add_months(start, index), amount)
        for index, amount in enumerate(split_evenly(total, period))
    ]


def schedule_area(ledger_m2: Decimal | None, stated_m2: Decimal | None) -> Decimal:
    """The floor area a schedule is computed on: the ledger's (from the takeover), else the stated one.

    Raises:
        RuleViolation: neither is known, or the stated area differs from the ledger's.
    """
    if ledger_m2 is not None:
        if stated_m2 is not None and stated_m2 != ledger_m2:
            raise RuleViolation(
                "the floor area comes from the registry's ledger",
                [
                    FieldProblem(
                        "floor_area_m2", "matches_ledger", f"omit it, or send the ledger's {ledger_m2}"
                    )
                ],
            )
        return ledger_m2
    if stated_m2 is None:
        raise RuleViolation(
            "the takeover carried no floor area: state it",
            [FieldProblem("floor_area_m2", "required", 'square metres as a decimal string, e.g. "25000.50"')],
        )
    return stated_m2


@dataclass(frozen=True)
class MonthStatus:
    month: date
    scheduled_fen: int
    paid_fen: int

    @property
    def owed_fen(self) -> int:
        return self.scheduled_fen - self.paid_fen


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def statuses(scheduled: Sequence[MonthlyAmount], payments: Sequence[tuple[date, int]]) -> list[MonthStatus]:
    """Each scheduled month with what has been paid against it."""
    paid: dict[date, int] = {}
    for month, amount in payments:
        paid[month] = paid.get(month, 0) + amount
    return [MonthStatus(m.month, m.amount_fen, paid.get(m.month, 0)) for m in scheduled]


def arrears(months: Sequence[MonthStatus], now: datetime) -> list[MonthStatus]:
    """Months that have ended (Asia/Shanghai) and are not fully paid: a month is paid in arrears,
    so it falls due when it ends."""
    today = shanghai_date(now)
    return [m for m in months if month_end(m.month) < today and m.owed_fen > 0]


def may_pay(profile: ProgrammeProfile, principal: Principal, district_code: str) -> bool:
    """The plan's payer pays: a district pays its own communities' subsidy (Zhengzhou 2019 五(三)
    names 各区; Kaifeng 六(五) the city or the district); payers other than districts are not
    supported here yet."""
    rule = property_subsidy_terms(profile)
    return Party.DISTRICT in rule.payers and writes_district(principal, district_code)


def check_payment(
    months: Sequence[MonthStatus], month: date, amount_fen: int, paid_on: date, now: datetime
) -> None:
    """A payment goes to a scheduled month, never above what that month still owes, not dated ahead."""
    by_month = {m.month: m for m in months}
    problems = []
    status = by_month.get(month)
    if status is None:
        problems.append(FieldProblem("month", "scheduled_month", "the first day of a month in the schedule"))
    elif amount_fen > status.owed_fen:
        problems.append(
            FieldProblem(
                "amount_fen", "exceeds_month_owed", f"at most {status.owed_fen} fen is owed for {month}"
            )
        )
    today = shanghai_date(now)
    if paid_on > today:
        problems.append(FieldProblem("paid_on", "not_in_future", f"on or before {today.isoformat()}"))
    if problems:
        raise RuleViolation("the property-subsidy payment is refused", problems)

"""Property-service subsidy (Zhengzhou 2019 五(三)): the takeover from the registry's event, a
schedule the paying district creates with the floor area, payments per month, arrears."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.funding.handlers import property_subsidy as handlers
from services.funding.models.property_subsidy import PaymentCreate, ScheduleCreate
from shared.errors import Conflict, Forbidden, InvalidState, NotFound, RuleViolation
from tests.handlers.funding.world import FINANCE, district, start_funding, taken_over


async def _scheduled(funding, area: str = "1234.57", **overrides: Any):  # type: ignore[no-untyped-def]
    event = taken_over(**overrides)
    await funding.harness.deliver(event)
    now = funding.harness.clock.now()
    actor = district(event.district_code)
    body = ScheduleCreate(floor_area_m2=area)
    schedule = await funding.harness.run(
        lambda s: handlers.create_schedule(s, actor, event.project_id, body, now)
    )
    return event, schedule


async def _pay(funding, event, month: date, amount: int, actor=None):  # type: ignore[no-untyped-def]
    now = funding.harness.clock.now()
    body = PaymentCreate(month=month, amount_fen=amount, paid_on=date(2026, 11, 20))
    return await funding.harness.run(
        lambda s: handlers.pay_month(s, actor or district(), event.project_id, body, now)
    )


async def test_the_schedule_is_36_months_adding_up_exactly(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    _, schedule = await _scheduled(funding)
    assert (schedule.months, schedule.total_fen) == (36, 1_333_336)
    assert sum(m.scheduled_fen for m in schedule.schedule) == schedule.total_fen
    assert [m.scheduled_fen for m in schedule.schedule[:5]] == [37_038] * 4 + [37_037]
    assert schedule.schedule[0].month == date(2026, 9, 1)
    assert "earliest months" in schedule.remainder_rule


async def test_payments_are_capped_per_month_and_arrears_listed(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)  # now: 2026-11-20; September and October have ended
    event, _ = await _scheduled(funding)
    await _pay(funding, event, date(2026, 9, 1), 37_038)
    await _pay(funding, event, date(2026, 10, 1), 30_000)
    with pytest.raises(RuleViolation) as over:
        await _pay(funding, event, date(2026, 10, 1), 7_039)
    assert over.value.errors[0].rule == "exceeds_month_owed"
    with pytest.raises(RuleViolation):
        await _pay(funding, event, date(2030, 9, 1), 1)  # not a scheduled month
    with pytest.raises(ValidationError):
        await _pay(funding, event, date(2026, 9, 15), 1)  # not the first of a month
    arrears = await funding.harness.run(
        lambda s: handlers.list_arrears(s, FINANCE, funding.harness.clock.now())
    )
    assert [(a.month, a.owed_fen) for a in arrears] == [(date(2026, 10, 1), 7_038)]
    funding.harness.clock.advance(timedelta(days=15))  # 2026-12-05: November has ended too
    arrears = await funding.harness.run(
        lambda s: handlers.list_arrears(s, FINANCE, funding.harness.clock.now())
    )
    assert [a.month for a in arrears] == [date(2026, 10, 1), date(2026, 11, 1)]


async def test_only_the_paying_district_schedules_and_pays(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = taken_over()
    await funding.harness.deliver(event)
    now = funding.harness.clock.now()
    body = ScheduleCreate(floor_area_m2="100")
    with pytest.raises(Forbidden):
        await funding.harness.run(lambda s: handlers.create_schedule(s, FINANCE, event.project_id, body, now))
    with pytest.raises(NotFound):
        await funding.harness.run(
            lambda s: handlers.create_schedule(s, district("zz-erqi"), event.project_id, body, now)
        )
    await funding.harness.run(lambda s: handlers.create_schedule(s, district(), event.project_id, body, now))
    with pytest.raises(Conflict):
        await funding.harness.run(
            lambda s: handlers.create_schedule(s, district(), event.project_id, body, now)
        )
    with pytest.raises(Forbidden):
        await _pay(funding, event, date(2026, 9, 1), 1, actor=FINANCE)


async def test_no_schedule_before_the_takeover_or_where_the_plan_has_no_subsidy(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    now = funding.harness.clock.now()
    body = ScheduleCreate(floor_area_m2="100")
    with pytest.raises(NotFound):
        await funding.harness.run(lambda s: handlers.create_schedule(s, district(), uuid4(), body, now))
    zhengzhou_2018 = taken_over(programme_code="zhengzhou-2018")  # its plan has no property subsidy
    await funding.harness.deliver(zhengzhou_2018)
    with pytest.raises(InvalidState):
        await funding.harness.run(
            lambda s: handlers.create_schedule(s, district(), zhengzhou_2018.project_id, body, now)
        )


async def test_where_the_plan_sets_no_rate_the_district_states_rate_and_period(harness_for) -> None:  # type: ignore[no-untyped-def]
    """Kaifeng 六(五): 市、县（区）财政"可"给予一定资金补助 — a subsidy the payer may give, with no rate
    or period in the plan: the district states both, and nothing is below a standard."""
    funding = await start_funding(harness_for)
    now = funding.harness.clock.now()
    kaifeng = taken_over(programme_code="kaifeng-2019", district_code="kf-gulou")
    await funding.harness.deliver(kaifeng)
    gulou = district("kf-gulou")
    for body, field in (
        (ScheduleCreate(floor_area_m2="100", months=12), "fen_per_m2_month"),
        (ScheduleCreate(floor_area_m2="100", fen_per_m2_month=20), "months"),
    ):
        with pytest.raises(RuleViolation) as refusal:
            await funding.harness.run(
                lambda s, b=body: handlers.create_schedule(s, gulou, kaifeng.project_id, b, now)
            )
        assert [(p.field, p.rule) for p in refusal.value.errors] == [(field, "required")]
    body = ScheduleCreate(floor_area_m2="100.05", fen_per_m2_month=20, months=12)
    schedule = await funding.harness.run(
        lambda s: handlers.create_schedule(s, gulou, kaifeng.project_id, body, now)
    )
    # 20 fen × 100.05 m² = 2 001 fen a month, × 12
    assert (schedule.fen_per_m2_month, schedule.months, schedule.total_fen) == (20, 12, 24_012)
    assert {m.scheduled_fen for m in schedule.schedule} == {2_001}
    assert (schedule.below_standard, schedule.below_standard_reason) == (False, None)


@pytest.mark.parametrize("area", ["0", "-1", "12.345", "1e9", "", 1000, "100000000"])
def test_a_floor_area_outside_the_rules_is_refused(area: object) -> None:
    with pytest.raises(ValidationError):
        ScheduleCreate.model_validate({"floor_area_m2": area})

"""Property-subsidy commands, pinned where mutants survived: a payment's audit entry; who may pay,
in words; another district's schedule is unknown, naming the project; a payment locks the
schedule (PostgreSQL's FOR UPDATE, compiled from the executed statement) and a read does not."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.funding.handlers import property_subsidy as handlers
from services.funding.models.property_subsidy import PaymentCreate, PropertyTakeover, ScheduleCreate
from shared.audit import AuditEntry
from shared.errors import Conflict, Forbidden, InvalidState, NotFound
from tests.handlers.funding.world import FINANCE, JINSHUI, district, start_funding, taken_over
from tests.support.sql_capture import postgresql_selects

SEPTEMBER = date(2026, 9, 1)


async def _scheduled(funding: Any) -> Any:
    taken = taken_over()
    await funding.harness.deliver(taken)
    now = funding.harness.clock.now()
    body = ScheduleCreate(floor_area_m2="100")
    return await funding.harness.run(
        lambda s: handlers.create_schedule(s, district(), taken.project_id, body, now)
    )


def _payment(amount: int = 1_000) -> PaymentCreate:
    return PaymentCreate(month=SEPTEMBER, amount_fen=amount, paid_on=date(2026, 11, 20))


async def test_a_payment_is_audited_against_the_project_with_month_and_amount(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    schedule = await _scheduled(funding)
    now = funding.harness.clock.now()
    await funding.harness.run(
        lambda s: handlers.pay_month(s, district(), schedule.project_id, _payment(1_234), now)
    )
    (entry,) = [e for e in await funding.harness.all(AuditEntry) if e.action == "property_subsidy.paid"]
    assert (entry.record_type, entry.record_id, entry.actor_org) == (
        "project",
        str(schedule.project_id),
        JINSHUI,
    )
    assert json.loads(entry.after) == {"month": "2026-09-01", "amount_fen": 1_234}


async def test_only_the_paying_district_pays_and_is_told_so(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    schedule = await _scheduled(funding)
    now = funding.harness.clock.now()
    with pytest.raises(Forbidden) as refused:
        await funding.harness.run(
            lambda s: handlers.pay_month(s, FINANCE, schedule.project_id, _payment(), now)
        )
    assert str(refused.value) == "only the district that pays the property subsidy records its payments"


async def test_another_districts_schedule_is_unknown_naming_the_project(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    schedule = await _scheduled(funding)
    now = funding.harness.clock.now()
    for read in (
        lambda s: handlers.read_schedule(s, district("zz-erqi"), schedule.project_id, now),
        lambda s: handlers.pay_month(s, district("zz-erqi"), schedule.project_id, _payment(), now),
    ):
        with pytest.raises(NotFound) as unknown:
            await funding.harness.run(read)
        assert str(unknown.value) == f"no property-subsidy schedule for project {schedule.project_id}"


async def test_a_payment_locks_the_schedule_and_a_read_does_not(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    schedule = await _scheduled(funding)
    now = funding.harness.clock.now()
    with postgresql_selects(funding.harness) as reads:
        await funding.harness.run(lambda s: handlers.read_schedule(s, district(), schedule.project_id, now))
    (read,) = [s for s in reads if "FROM property_subsidy_schedule" in s]
    assert "FOR UPDATE" not in read
    with postgresql_selects(funding.harness) as writes:
        await funding.harness.run(
            lambda s: handlers.pay_month(s, district(), schedule.project_id, _payment(), now)
        )
    (locked,) = [s for s in writes if "FROM property_subsidy_schedule" in s]
    assert locked.rstrip().endswith("FOR UPDATE")


async def test_each_refusal_to_schedule_says_why(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    now, body, unknown = funding.harness.clock.now(), ScheduleCreate(floor_area_m2="100"), uuid4()
    with pytest.raises(NotFound) as not_heard:
        await funding.harness.run(lambda s: handlers.create_schedule(s, district(), unknown, body, now))
    assert str(not_heard.value) == f"funding knows no property takeover of project {unknown}"
    no_subsidy = taken_over(programme_code="zhengzhou-2018")
    await funding.harness.deliver(no_subsidy)
    with pytest.raises(InvalidState) as absent:
        await funding.harness.run(
            lambda s: handlers.create_schedule(s, district(), no_subsidy.project_id, body, now)
        )
    assert str(absent.value) == "zhengzhou-2018: the plan sets no property-service subsidy"
    assert (absent.value.current, absent.value.allowed) == ("no_property_subsidy_rule", [])
    schedule = await _scheduled(funding)
    with pytest.raises(Forbidden) as not_payer:
        await funding.harness.run(
            lambda s: handlers.create_schedule(s, FINANCE, schedule.project_id, body, now)
        )
    assert str(not_payer.value) == "only the district that pays the property subsidy schedules it"
    with pytest.raises(Conflict) as twice:
        await funding.harness.run(
            lambda s: handlers.create_schedule(s, district(), schedule.project_id, body, now)
        )
    assert str(twice.value) == f"project {schedule.project_id} already has a property-subsidy schedule"


async def test_scheduling_locks_the_takeover(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    taken = taken_over()
    await funding.harness.deliver(taken)
    now, body = funding.harness.clock.now(), ScheduleCreate(floor_area_m2="100")
    with postgresql_selects(funding.harness) as statements:
        await funding.harness.run(
            lambda s: handlers.create_schedule(s, district(), taken.project_id, body, now)
        )
    (locked,) = [s for s in statements if "FROM property_takeover" in s]
    assert locked.rstrip().endswith("FOR UPDATE")


@pytest.mark.parametrize(
    ("area", "kept"),
    [
        ("100.005", "100.01"),  # half a hundredth rounds up (half-even would keep 100.00)
        ("1", "1.00"),
        ("0.004", None),  # nothing left at the hundredth: the district states the area
        ("99999999.99", "99999999.99"),
        ("100000000", None),  # the bound a district could state
    ],
)
async def test_the_takeovers_floor_area_is_kept_to_the_hundredth_within_bounds(
    harness_for, area: str, kept: str | None
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    taken = taken_over(floor_area_m2=Decimal(area))
    await funding.harness.deliver(taken)
    (stored,) = await funding.harness.all(PropertyTakeover)
    assert stored.floor_area_m2 == (None if kept is None else Decimal(kept))


async def test_a_second_takeover_of_a_project_keeps_the_first(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    first = taken_over()
    await funding.harness.deliver(first)
    await funding.harness.deliver(taken_over(project_id=first.project_id, taken_over_on=date(2026, 9, 30)))
    (stored,) = await funding.harness.all(PropertyTakeover)
    assert stored.taken_over_on == date(2026, 8, 15)


async def test_only_ended_unpaid_months_are_marked_in_arrears(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    schedule = await _scheduled(funding)  # from September 2026; today is 2026-11-20
    late = [m.month for m in schedule.schedule if m.in_arrears]
    assert late == [date(2026, 9, 1), date(2026, 10, 1)]

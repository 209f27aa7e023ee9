"""Property-subsidy commands, pinned where mutants survived: a payment's audit entry; who may pay,
in words; another district's schedule is unknown, naming the project; a payment locks the
schedule (PostgreSQL's FOR UPDATE, compiled from the executed statement) and a read does not."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from services.funding.handlers import property_subsidy as handlers
from services.funding.models.property_subsidy import PaymentCreate, ScheduleCreate
from shared.audit import AuditEntry
from shared.contracts.registry import PropertyTakenOver
from shared.errors import Forbidden, NotFound
from tests.handlers.funding.world import FINANCE, JINSHUI, PROGRAMME, district, start_funding
from tests.support.sql_capture import postgresql_selects

SEPTEMBER = date(2026, 9, 1)


async def _scheduled(funding: Any) -> Any:
    taken = PropertyTakenOver(
        project_id=uuid4(),
        community_id=uuid4(),
        district_code=JINSHUI,
        programme_code=PROGRAMME,
        taken_over_on=date(2026, 8, 15),
        mode="professional",
        manager="郑州某物业服务有限公司",
    )
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

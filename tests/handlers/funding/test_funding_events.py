"""Issue 9's events through the outbox: InvestmentPlanned for each plan version funding records,
FundingCommitted for each commitment, PropertySubsidyScheduled and PropertySubsidyPaid; and the
property-subsidy schedule computed on the floor area the takeover carries from the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from services.funding.domain.sources import SourceEntryKind
from services.funding.handlers import property_subsidy, sources
from services.funding.models.property_subsidy import PaymentCreate, ScheduleCreate
from services.funding.models.sources import SourceEntryCreate
from shared.contracts.registry import PlanApproved, PlanSubmitted, PropertyTakenOver
from shared.errors import RuleViolation
from tests.handlers.funding.world import JINSHUI, district, plan, start_funding, taken_over

LEDGER_AREA = "floor_area_m2" in PropertyTakenOver.model_fields


async def test_each_plan_version_is_announced_with_who_funds_each_item(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project = UUID(int=11)
    items = {"rain-sewage-separation": 6_000_000, "power-lines": 1_000_000}
    await funding.harness.deliver(plan(PlanSubmitted, project, 1, items))
    await funding.harness.deliver(plan(PlanApproved, project, 1, items))
    await funding.harness.deliver(plan(PlanApproved, project, 1, items))  # the same version again
    events = [e for e in await funding.harness.outbox() if e.type == "funding.investment.planned.v1"]
    assert [(e.data["version"], e.data["state"], e.data["investment_fen"]) for e in events] == [
        (1, "submitted", 7_000_000),
        (1, "approved", 7_000_000),
    ]
    funders = {i["item_code"]: i["funded_by"] for i in events[1].data["items"]}
    assert funders["rain-sewage-separation"] == ["district"]
    assert events[1].districtcode == JINSHUI


async def test_a_commitment_is_announced_with_the_projects_shortfall_and_a_receipt_is_not(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project = UUID(int=12)
    await funding.harness.deliver(plan(PlanApproved, project, 1, {"roads-kerbs": 5_000_000}))
    now = funding.harness.clock.now()

    async def record(kind: str, amount: int) -> Any:
        body = SourceEntryCreate(
            source_code="owners", kind=SourceEntryKind(kind), amount_fen=amount, dated_on=date(2026, 5, 1)
        )
        return await funding.harness.run(lambda s: sources.record_entry(s, district(), project, body, now))

    await record("commitment", 1_200_000)
    await record("receipt", 200_000)
    (event,) = [e for e in await funding.harness.outbox() if e.type == "funding.source.committed.v1"]
    expected = {
        "source_code": "owners",
        "amount_fen": 1_200_000,
        "committed_fen": 1_200_000,
        "shortfall_fen": 3_800_000,
        "allocation_id": None,
    }
    assert {key: event.data[key] for key in expected} == expected


async def _schedule(funding: Any, event: PropertyTakenOver, area: str | None) -> Any:
    await funding.harness.deliver(event)
    now = funding.harness.clock.now()
    body = ScheduleCreate(floor_area_m2=area)
    return await funding.harness.run(
        lambda s: property_subsidy.create_schedule(s, district(), event.project_id, body, now)
    )


async def test_schedule_and_payment_are_announced(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = taken_over()
    schedule = await _schedule(funding, event, "1234.57")
    assert schedule.floor_area_source == "district"
    now = funding.harness.clock.now()
    pay = PaymentCreate(month=date(2026, 9, 1), amount_fen=37_038, paid_on=date(2026, 11, 20))
    await funding.harness.run(lambda s: property_subsidy.pay_month(s, district(), event.project_id, pay, now))
    by_type = {e.type: e.data for e in await funding.harness.outbox()}
    scheduled = by_type["funding.property_subsidy.scheduled.v1"]
    assert (scheduled["months"], scheduled["total_fen"], scheduled["first_month"]) == (
        36,
        1_333_336,
        "2026-09-01",
    )
    assert Decimal(scheduled["floor_area_m2"]) == Decimal("1234.57")
    paid = by_type["funding.property_subsidy.paid.v1"]
    assert (paid["month"], paid["amount_fen"], paid["paid_fen"], paid["owed_fen"]) == (
        "2026-09-01",
        37_038,
        37_038,
        1_333_336 - 37_038,
    )


@pytest.mark.skipif(not LEDGER_AREA, reason="PropertyTakenOver carries no floor area in this build")
async def test_the_schedule_uses_the_floor_area_the_takeover_carries(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = taken_over(floor_area_m2=Decimal("1234.57"))
    schedule = await _schedule(funding, event, None)
    assert (schedule.floor_area_m2, schedule.floor_area_source, schedule.total_fen) == (
        Decimal("1234.57"),
        "takeover",
        1_333_336,
    )


@pytest.mark.skipif(not LEDGER_AREA, reason="PropertyTakenOver carries no floor area in this build")
async def test_a_floor_area_other_than_the_ledgers_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    with pytest.raises(RuleViolation) as refused:
        await _schedule(funding, taken_over(floor_area_m2=Decimal("1234.57")), "2000.00")
    assert refused.value.errors[0].rule == "matches_ledger"


async def test_without_a_ledger_area_the_district_must_state_one(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    with pytest.raises(RuleViolation) as refused:
        await _schedule(funding, taken_over(), None)
    assert (refused.value.errors[0].field, refused.value.errors[0].rule) == ("floor_area_m2", "required")

"""The project funding sheet, pinned where mutants survived: a project known only by its no-award
row or only by its plans (the latest version names its district), an unknown one refused by id,
and every figure of the sheet from its own project: the award's investments and adjustments,
its own tranches, central funds, the property subsidy scheduled and paid, and its sources."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from services.funding.handlers import central_funds as central
from services.funding.handlers import property_subsidy
from services.funding.models.central_funds import AllocationCreate
from services.funding.models.property_subsidy import PaymentCreate, ScheduleCreate
from shared.contracts.registry import PlanApproved
from shared.errors import NotFound
from tests.handlers.funding.kaifeng import HOUSING, KAIFENG, LONGTING, register
from tests.handlers.funding.world import (
    ACCEPTED,
    AUDITED,
    FINANCE,
    JINSHUI,
    PLANNED,
    PROGRAMME,
    accepted,
    audited,
    district,
    plan,
    start_funding,
    taken_over,
)


async def test_a_project_known_only_by_its_no_award_row_has_a_sheet(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted(district_code="zz-gongyi")  # outside the award area: no award
    await funding.harness.deliver(event)
    sheet = await funding.sheet(event.project_id, district("zz-gongyi"))
    assert (sheet.district_code, sheet.programme_code, sheet.award) == ("zz-gongyi", PROGRAMME, None)
    assert sheet.no_award is not None and sheet.no_award.reason == "not_in_award_area"
    assert (sheet.awarded_fen, sheet.paid_fen, sheet.adjustments, sheet.tranches) == (0, 0, [], [])


async def test_a_project_known_only_by_its_plans_takes_its_district_from_the_latest_version(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """Versions 1 and 2 name Erqi, version 3 (the latest) Jinshui: Jinshui's clerk sees the sheet."""
    funding = await start_funding(harness_for)
    project = uuid.UUID(int=41)
    for version, where in ((1, "zz-erqi"), (2, "zz-erqi"), (3, JINSHUI)):
        await funding.harness.deliver(
            plan(PlanApproved, project, version, {"roads-kerbs": 1_000 * version}, district_code=where)
        )
    sheet = await funding.sheet(project, district(JINSHUI))
    assert (sheet.district_code, sheet.award, sheet.no_award) == (JINSHUI, None, None)
    assert sheet.plan.planned_investment_fen == 3_000
    with pytest.raises(NotFound):
        await funding.sheet(project, district("zz-erqi"))


async def test_a_project_funding_does_not_know_is_refused_by_its_id(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project = uuid.UUID(int=42)
    with pytest.raises(NotFound) as refused:
        await funding.sheet(project)
    assert str(project) in str(refused.value)


async def test_the_sheet_shows_the_awards_figures_its_adjustment_and_only_its_own_tranches(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """40% of the accepted 480 000.00 = 192 000.00 approved; the audit (450 000.01, 40% =
    180 000.00 rounded half-up from 180 000.004) trues it up by −12 000.00."""
    funding = await start_funding(harness_for)
    event, award = await funding.accepted_and_approved()
    _, other = await funding.accepted_and_approved()
    mine = await funding.pay(award.id, 1_000_000)
    await funding.pay(other.id, 2_000_000)
    await funding.harness.deliver(audited(event))
    sheet = await funding.sheet(event.project_id)
    assert (sheet.plan.planned_investment_fen, sheet.plan.accepted_investment_fen) == (PLANNED, ACCEPTED)
    assert sheet.plan.audited_investment_fen == AUDITED
    assert [(a.previous_amount_fen, a.new_amount_fen, a.adjustment_fen) for a in sheet.adjustments] == [
        (19_200_000, 18_000_000, -1_200_000)
    ]
    assert [(t.id, t.amount_fen) for t in sheet.tranches] == [(mine.id, 1_000_000)]
    assert (sheet.awarded_fen, sheet.paid_fen, sheet.outstanding_fen) == (18_000_000, 1_000_000, 17_000_000)
    assert sheet.sources is not None and sheet.sources.investment_fen == PLANNED


async def test_the_sheet_shows_the_central_funds_of_the_project(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project = await register(funding.harness, "鼓楼街小区", 5_000_000, steps=("approval",))
    body = AllocationCreate(programme_code=KAIFENG, amount_fen=1_234_567, listed_project_ids=[project])
    now = funding.harness.clock.now()
    proposal = await funding.harness.run(lambda s: central.propose(s, HOUSING, body, now))
    await funding.harness.run(lambda s: central.approve(s, FINANCE, proposal.id, now))
    sheet = await funding.sheet(project, district(LONGTING))
    assert (sheet.central_fen, sheet.awarded_fen) == (1_234_567, 0)
    assert sheet.sources is not None
    assert {line.source_code: line.committed_fen for line in sheet.sources.lines} == {
        "central-subsidy": 1_234_567
    }


async def test_the_sheet_shows_the_property_subsidy_scheduled_and_paid(harness_for) -> None:  # type: ignore[no-untyped-def]
    """0.30 yuan per m² a month on 1 234.57 m² for 36 months: 30 × 1 234.57 × 36 = 1 333 335.6,
    1 333 336 fen scheduled; September's 37 038 paid."""
    funding = await start_funding(harness_for)
    event, _ = await funding.accepted_and_approved()
    await funding.harness.deliver(taken_over(project_id=event.project_id))
    now = funding.harness.clock.now()
    clerk = district(JINSHUI)
    schedule = ScheduleCreate(floor_area_m2="1234.57")
    await funding.harness.run(
        lambda s: property_subsidy.create_schedule(s, clerk, event.project_id, schedule, now)
    )
    payment = PaymentCreate(month=date(2026, 9, 1), amount_fen=37_038, paid_on=date(2026, 11, 20))
    await funding.harness.run(lambda s: property_subsidy.pay_month(s, clerk, event.project_id, payment, now))
    sheet: Any = await funding.sheet(event.project_id)
    assert (sheet.property_subsidy_scheduled_fen, sheet.property_subsidy_paid_fen) == (1_333_336, 37_038)

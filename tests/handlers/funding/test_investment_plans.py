"""Plan versions from the registry's plan events: kept by item, each revision a new version, with
who funds each item from the profile (utilities their own lines, Zhengzhou 2019 五(二); the
district the rest, 五(一))."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import text

from services.funding.models.plans import InvestmentPlan
from shared.contracts.registry import PlanApproved, PlanSubmitted
from shared.errors import RuleViolation
from tests.handlers.funding.world import accepted, plan, start_funding


async def test_plan_versions_are_kept_by_item_with_who_funds_each(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    project_id = uuid4()
    first = {"overhead-lines": 1_000_000, "roads-kerbs": 4_000_000}
    revised = {"overhead-lines": 1_500_000, "roads-kerbs": 3_000_000}
    await funding.harness.deliver(plan(PlanSubmitted, project_id, 1, first))
    await funding.harness.deliver(plan(PlanApproved, project_id, 1, first))
    await funding.harness.deliver(plan(PlanSubmitted, project_id, 2, revised))
    await funding.harness.deliver(plan(PlanApproved, project_id, 2, revised))
    sheet = await funding.sheet(project_id)
    assert [(p.version, p.state, p.investment_fen) for p in sheet.plans] == [
        (1, "submitted", 5_000_000),
        (1, "approved", 5_000_000),
        (2, "submitted", 4_500_000),
        (2, "approved", 4_500_000),
    ]
    assert sheet.plan.planned_investment_fen == 4_500_000  # the latest approved version
    items = {i.item_code: (i.funded_by, i.funded_by_clause) for i in sheet.plans[-1].items}
    assert items == {
        "overhead-lines": ("power,telecom,cable-tv", "五(二)"),
        "roads-kerbs": ("district", "五(一)"),
    }


async def test_a_plan_announced_twice_is_kept_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = plan(PlanApproved, uuid4(), 1, {"roads-kerbs": 10})
    await funding.harness.deliver(event)
    await funding.harness.deliver(event)
    assert len(await funding.harness.all(InvestmentPlan)) == 1


async def test_a_plan_whose_items_do_not_add_up_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = plan(PlanApproved, uuid4(), 1, {"roads-kerbs": 10}, investment_fen=11)
    with pytest.raises(RuleViolation):
        await funding.harness.deliver(event)
    assert await funding.harness.all(InvestmentPlan) == []


async def test_plan_rows_refuse_edits(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    await funding.harness.deliver(plan(PlanApproved, uuid4(), 1, {"roads-kerbs": 10}))
    with pytest.raises(Exception, match="append-only"):
        await funding.harness.run(lambda s: s.exec(text("UPDATE investment_plan SET investment_fen = 1")))


async def test_the_sheet_shows_the_plan_beside_the_award(harness_for) -> None:  # type: ignore[no-untyped-def]
    funding = await start_funding(harness_for)
    event = accepted()
    await funding.harness.deliver(plan(PlanApproved, event.project_id, 1, {"roads-kerbs": 49_000_000}))
    await funding.harness.deliver(event)
    sheet = await funding.sheet(event.project_id)
    assert sheet.plan.planned_investment_fen == 49_000_000
    assert sheet.award is not None and sheet.award.basis_fen == event.accepted_investment_fen

"""Routing by responsibility on SQLite: with no one subscribing, the organisations the profile
makes responsible hear of a project in their inbox, and utilities hear only their own works."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.feed import read
from services.notification.models import Delivery, InboxItem
from shared.access import OrganisationKind, Principal
from shared.contracts.registry import ConstructionStarted, PlanApproved, PlanItem
from tests.handlers.notification.helpers import JINSHUI, ORGS, approved, subscribe

STARTED = ConstructionStarted.TYPE
FIRE_AND_SURVEILLANCE = "fire-surveillance-security"  # Zhengzhou 2019 catalogue item 8
OVERHEAD_LINES = "overhead-lines"  # item 2: power, telecom and cable-TV lines


def project(items: list[str]) -> tuple[PlanApproved, ConstructionStarted]:
    ids = {
        "project_id": uuid4(),
        "community_id": uuid4(),
        "district_code": JINSHUI,
        "programme_code": "zhengzhou-2019",
    }
    plan = PlanApproved(
        **ids,
        version=1,
        approved_on=date(2026, 9, 1),
        items=[PlanItem(item_code=code, investment_fen=1_000_00) for code in items],
        investment_fen=1_000_00 * len(items),
    )
    return plan, ConstructionStarted(**ids, started_on=date(2026, 10, 1))


async def inbox_orgs(harness, event_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {i.org_code for i in await harness.all(InboxItem) if i.event_id == event_id}


async def test_works_on_item_8_reach_fire_and_police(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    plan, started = project([FIRE_AND_SURVEILLANCE])
    await harness.deliver(plan, event_id="plan")
    await harness.deliver(started, event_id="start")
    assert await inbox_orgs(harness, "start") == {"fire", "police"}
    assert await inbox_orgs(harness, "plan") == set()  # approval of a plan routes to no one by default


async def test_pipeline_works_reach_the_utilities_assigned_and_no_other(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    power_hook = await subscribe(harness, "power", [STARTED])
    gas = Principal("c", "gas", OrganisationKind.UTILITY)
    gas_hook = await subscribe(harness, gas, [STARTED])
    plan, started = project([OVERHEAD_LINES])
    await harness.deliver(plan, event_id="plan")
    await harness.deliver(started, event_id="start")
    orgs = await inbox_orgs(harness, "start")
    assert {"power", "telecom", "cable-tv"} <= orgs and "gas" not in orgs
    assert {"industry-it", "telecom-office", "culture-broadcasting"} <= orgs
    hooks = {d.subscription_id for d in await harness.all(Delivery)}
    assert power_hook.id in hooks and gas_hook.id not in hooks
    power_feed = await harness.run(lambda s: read(s, ORGS["power"], after=0, limit=10))
    assert [i["id"] for i in power_feed.items] == ["start"]  # its own works, not the plan's money
    gas_feed = await harness.run(lambda s: read(s, gas, after=0, limit=10))
    assert gas_feed.items == []


async def test_works_of_a_project_without_an_approved_plan_reach_no_utility(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    power_hook = await subscribe(harness, "power", [STARTED])
    _, started = project([OVERHEAD_LINES])
    await harness.deliver(started, event_id="start")
    assert await inbox_orgs(harness, "start") == set()
    assert power_hook.id not in {d.subscription_id for d in await harness.all(Delivery)}


async def test_an_approved_award_reaches_the_approving_department_and_the_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await harness.deliver(approved(JINSHUI), event_id="award")
    assert await inbox_orgs(harness, "award") == {"finance", JINSHUI}

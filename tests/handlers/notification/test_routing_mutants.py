"""Fan-out, its edges, on SQLite: each utility company receives a works event cut down to its own
work (never another company's copy), and an event whose envelope and payload name different
districts reaches no district, by inbox or by subscription (`shared.access.event_district`: the
event then has no district a district-bound reader may claim).
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.feed import read
from services.notification.models import Delivery, InboxItem, ProjectItems
from shared.access import OrganisationKind, Principal
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import PipelineWorkExempted, PlanApproved, PlanItem
from tests.handlers.notification.helpers import APPROVED, ERQI, JINSHUI, ORGS, approved, subscribe
from tests.handlers.notification.test_responsibility_routing import FIRE_AND_SURVEILLANCE, OVERHEAD_LINES

EXEMPTED = PipelineWorkExempted.TYPE
ZHENGZHOU = "zhengzhou-2019"
WATER = Principal("c", "water", OrganisationKind.UTILITY)


async def test_each_utility_receives_an_exemption_cut_down_to_its_own_company(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    power = await subscribe(harness, "power", [EXEMPTED])
    water = await subscribe(harness, WATER, [EXEMPTED])
    exempted = PipelineWorkExempted(
        project_id=uuid4(),
        community_id=uuid4(),
        district_code=JINSHUI,
        programme_code="zhengzhou-2019",
        work_ids=[uuid4(), uuid4()],
        utility_codes=["power", "water"],
        reason="冬季停水",
        exempted_on=date(2026, 11, 18),
    )
    await harness.deliver(exempted, event_id="exempted")
    sent = {d.subscription_id: CloudEvent.from_bytes(d.content.encode()) for d in await harness.all(Delivery)}
    assert sent[power.id].data["utility_codes"] == ["power"]
    assert sent[water.id].data["utility_codes"] == ["water"]


async def test_an_event_whose_envelope_and_payload_disagree_on_the_district_reaches_no_district(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    jinshui_hook = await subscribe(harness, "jinshui", [APPROVED])
    finance_hook = await subscribe(harness, "finance", [APPROVED])
    envelope = CloudEvent.wrap(approved(JINSHUI), event_id="award").model_copy(update={"districtcode": ERQI})
    assert await harness.redeliver(envelope) == "handled"
    inboxes = {i.org_code for i in await harness.all(InboxItem) if i.event_id == "award"}
    assert inboxes == {"finance"}  # the approving department; neither district
    assert {d.subscription_id for d in await harness.all(Delivery)} == {finance_hook.id}
    assert jinshui_hook.id not in {d.subscription_id for d in await harness.all(Delivery)}


async def test_an_older_plan_arriving_late_does_not_replace_the_newer_ones_items(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    ids = {
        "project_id": uuid4(),
        "community_id": uuid4(),
        "district_code": JINSHUI,
        "programme_code": ZHENGZHOU,
    }

    def plan(version: int, items: list[str]) -> PlanApproved:
        return PlanApproved(
            **ids,  # type: ignore[arg-type]
            version=version,
            approved_on=date(2026, 9, version),
            items=[PlanItem(item_code=code, investment_fen=1_000_00) for code in items],
            investment_fen=1_000_00 * len(items),
        )

    await harness.deliver(plan(2, [FIRE_AND_SURVEILLANCE]), event_id="v2")
    await harness.deliver(plan(1, [OVERHEAD_LINES]), event_id="v1")  # redelivered late, out of order
    (row,) = await harness.all(ProjectItems)
    assert (row.plan_version, row.item_codes) == (2, [FIRE_AND_SURVEILLANCE])
    assert (row.project_id, row.programme_code) == (str(ids["project_id"]), ZHENGZHOU)
    await harness.deliver(plan(3, [OVERHEAD_LINES]), event_id="v3")
    (row,) = await harness.all(ProjectItems)
    assert (row.plan_version, row.item_codes) == (3, [OVERHEAD_LINES])


async def test_the_same_plan_version_approved_again_replaces_its_items(harness_for) -> None:  # type: ignore[no-untyped-def]
    """A version is never older than itself: its later approval is the one that stands."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    ids = {
        "project_id": uuid4(),
        "community_id": uuid4(),
        "district_code": JINSHUI,
        "programme_code": ZHENGZHOU,
    }
    for event_id, items in (("first", [OVERHEAD_LINES]), ("again", [FIRE_AND_SURVEILLANCE])):
        plan = PlanApproved(
            **ids,  # type: ignore[arg-type]
            version=1,
            approved_on=date(2026, 9, 1),
            items=[PlanItem(item_code=code, investment_fen=1_000_00) for code in items],
            investment_fen=1_000_00,
        )
        await harness.deliver(plan, event_id=event_id)
    (row,) = await harness.all(ProjectItems)
    assert (row.plan_version, row.item_codes) == (1, [FIRE_AND_SURVEILLANCE])


async def test_the_feed_keeps_the_envelopes_district_so_a_disputed_event_reaches_no_district(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    envelope = CloudEvent.wrap(approved(JINSHUI), event_id="award").model_copy(update={"districtcode": ERQI})
    await harness.redeliver(envelope)
    for reader in ("jinshui", "erqi"):
        page = await harness.run(lambda s, r=reader: read(s, ORGS[r], after=0, limit=10))
        assert page.items == []
    finance = await harness.run(lambda s: read(s, ORGS["finance"], after=0, limit=10))
    assert [i["id"] for i in finance.items] == ["award"]

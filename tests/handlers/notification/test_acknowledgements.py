"""Business acknowledgement on SQLite: events that ask a department to act open action items for
the departments the profile names; the department acknowledges once and records the action; an
event can record the action; overdue acknowledgements escalate once to the office; times are
reported per department."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest

from services.notification.domain.notices import ACKNOWLEDGEMENT_OVERDUE
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.acknowledgements import (
    acknowledge,
    escalate_overdue,
    get_item,
    list_items,
    record_action,
    times,
)
from services.notification.models import ActionItem, ActionState, Delivery, InboxItem
from shared.access import OrganisationKind, Principal
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted
from shared.errors import InvalidState, NotFound
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import JINSHUI, ORGS, subscribe
from tests.handlers.notification.test_responsibility_routing import FIRE_AND_SURVEILLANCE, project

FIRE = Principal("fire-user", "fire", OrganisationKind.DEPARTMENT)
POLICE = Principal("police-user", "police", OrganisationKind.DEPARTMENT)
FINANCE = replace(ORGS["finance"], subject="finance-user")
OFFICE = ORGS["office"]


async def _started_with_item_8(harness, n: int = 0) -> None:  # type: ignore[no-untyped-def]
    plan, started = project([FIRE_AND_SURVEILLANCE])
    await harness.deliver(plan, event_id=f"plan-{n}")
    await harness.deliver(started, event_id=f"start-{n}")


async def _item(harness, org: str) -> ActionItem:  # type: ignore[no-untyped-def]
    (item,) = [i for i in await harness.all(ActionItem) if i.org_code == org]
    return item


async def test_works_start_on_item_8_asks_fire_and_police_to_act_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    plan, started = project([FIRE_AND_SURVEILLANCE])
    await harness.deliver(plan, event_id="plan")
    envelope_id = "start"
    await harness.deliver(started, event_id=envelope_id)
    items = await harness.all(ActionItem)
    assert {(i.org_code, i.request_code) for i in items} == {
        ("fire", "fire-inspection"),
        ("police", "security-inspection"),
    }
    fire = await _item(harness, "fire")
    assert fire.acknowledge_by == DEFAULT_NOW + timedelta(hours=48)  # Zhengzhou 2019 profile
    assert fire.district_code == JINSHUI and fire.project_id == str(started.project_id)
    assert fire.state is ActionState.OPEN
    from shared.contracts.envelope import CloudEvent

    again = CloudEvent.wrap(started, event_id=envelope_id)
    assert await harness.redeliver(again) == "duplicate"
    assert len(await harness.all(ActionItem)) == 2


async def test_works_without_a_fire_item_ask_no_one(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    plan, started = project(["overhead-lines"])
    await harness.deliver(plan, event_id="plan")
    await harness.deliver(started, event_id="start")
    assert await harness.all(ActionItem) == []


async def test_the_department_acknowledges_once_and_records_its_action(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await _started_with_item_8(harness)
    fire = await _item(harness, "fire")
    harness.clock.advance(timedelta(hours=3))
    now = harness.clock.now()
    done = await harness.run(lambda s: acknowledge(s, FIRE, fire.id, now=now))
    assert done.acknowledged_at == now and done.acknowledged_by == "fire-user"
    with pytest.raises(InvalidState) as twice:
        await harness.run(lambda s: acknowledge(s, FIRE, fire.id, now=now))
    assert twice.value.allowed == ["action"]
    for other in (POLICE, OFFICE, ORGS["jinshui"]):  # only the department asked acknowledges
        with pytest.raises(NotFound):
            await harness.run(lambda s, o=other: acknowledge(s, o, fire.id, now=now))
    assert (await harness.run(lambda s: get_item(s, OFFICE, fire.id))).id == fire.id  # the office reads
    with pytest.raises(NotFound):
        await harness.run(lambda s: get_item(s, POLICE, fire.id))
    acted = await harness.run(
        lambda s: record_action(s, FIRE, fire.id, note="已现场检查消防通道，提出整改意见两条", now=now)
    )
    assert acted.state is ActionState.DONE and acted.action_note.startswith("已现场检查")
    with pytest.raises(InvalidState):
        await harness.run(lambda s: record_action(s, FIRE, fire.id, note="again", now=now))
    assert await harness.audit_actions() == ["action_item.acknowledged", "action_item.acted"]


async def test_recording_the_action_first_acknowledges_too(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await _started_with_item_8(harness)
    police = await _item(harness, "police")
    acted = await harness.run(
        lambda s: record_action(s, POLICE, police.id, note="已指导安装", now=DEFAULT_NOW)
    )
    assert acted.acknowledged_at == acted.action_at == DEFAULT_NOW


async def test_concurrent_acknowledgements_give_one_success(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await _started_with_item_8(harness)
    fire = await _item(harness, "fire")
    results = await asyncio.gather(
        *(harness.run(lambda s: acknowledge(s, FIRE, fire.id, now=DEFAULT_NOW)) for _ in range(8)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, ActionItem) for r in results) == 1
    assert sum(isinstance(r, InvalidState) for r in results) == 7
    assert await harness.audit_actions() == ["action_item.acknowledged"]


async def test_acceptance_asks_the_approver_and_the_approval_records_the_action(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    ids = {"project_id": uuid4(), "district_code": JINSHUI, "programme_code": "zhengzhou-2019"}
    await harness.deliver(
        ProjectAccepted(**ids, community_id=uuid4(), investment_fen=100, accepted_on=date(2026, 11, 1)),
        event_id="accepted",
    )
    item = await _item(harness, "finance")
    assert item.request_code == "award-approval" and item.state is ActionState.OPEN
    harness.clock.advance(timedelta(hours=5))
    await harness.deliver(
        SubsidyApproved(**ids, award_id=uuid4(), basis_fen=100, ratio="0.40", amount_fen=40),  # type: ignore[arg-type]
        event_id="approved",
    )
    item = await _item(harness, "finance")
    assert item.state is ActionState.DONE and item.action_event_id == "approved"
    assert item.acknowledged_at == DEFAULT_NOW + timedelta(hours=5)


async def test_an_overdue_acknowledgement_escalates_once_to_the_office(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    mailbox = await subscribe(
        harness, "office", ["registry.project.accepted.v1"], channel="email", email="office@zz.gov.cn"
    )
    await _started_with_item_8(harness)
    police = await _item(harness, "police")
    await harness.run(lambda s: acknowledge(s, POLICE, police.id, now=DEFAULT_NOW))
    harness.clock.advance(timedelta(hours=47))
    assert await harness.run(lambda s: escalate_overdue(s, now=harness.clock.now())) == 0
    harness.clock.advance(timedelta(hours=1))
    assert await harness.run(lambda s: escalate_overdue(s, now=harness.clock.now())) == 1
    assert await harness.run(lambda s: escalate_overdue(s, now=harness.clock.now())) == 0
    fire = await _item(harness, "fire")
    assert fire.escalated_at == harness.clock.now()
    (notice,) = [i for i in await harness.all(InboxItem) if i.event_type == "notification.notice"]
    assert notice.org_code == "zz-renovation-office" and "fire" in notice.body
    assert notice.title == "【老旧小区改造】待办事项逾期未签收：消防设施、消防通道指导检查"
    (queued,) = [d for d in await harness.all(Delivery) if d.event_type == ACKNOWLEDGEMENT_OVERDUE]
    assert queued.subscription_id == mailbox.id
    overdue = await harness.run(
        lambda s: list_items(
            s, OFFICE, state=None, overdue=True, project_id=None, limit=10, now=harness.clock.now()
        )
    )
    assert [i.org_code for i in overdue] == ["fire"]


async def test_acknowledgement_times_per_department(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    for hours in (1, 2, 3, 50):  # four projects; fire acknowledges after 1, 2, 3 and 50 hours
        start = harness.clock.now()
        await _started_with_item_8(harness, hours)
        fires = [
            i for i in await harness.all(ActionItem) if i.org_code == "fire" and i.acknowledged_at is None
        ]
        (fire,) = fires
        at = start + timedelta(hours=hours)
        await harness.run(lambda s, f=fire, t=at: acknowledge(s, FIRE, f.id, now=t))
    now = harness.clock.now() + timedelta(hours=100)
    report = {r.org_code: r for r in await harness.run(lambda s: times(s, OFFICE, now=now))}
    fire_times = report["fire"]
    assert (fire_times.items, fire_times.acknowledged, fire_times.late) == (4, 4, 1)
    assert fire_times.median_s == 2.5 * 3600 and fire_times.p90_s == 50 * 3600
    assert (report["police"].acknowledged, report["police"].overdue) == (0, 4)
    own = await harness.run(lambda s: times(s, POLICE, now=now))
    assert [r.org_code for r in own] == ["police"]


async def test_the_sweeper_escalates_on_the_runtime_clock(harness_for) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from services.notification.worker import sweep_acknowledgements_once

    harness = await harness_for("notification", SUBSCRIPTIONS)
    await _started_with_item_8(harness)
    runtime = SimpleNamespace(unit_of_work=harness.unit_of_work, clock=harness.clock)
    assert await sweep_acknowledgements_once(runtime) == 0  # type: ignore[arg-type]
    harness.clock.advance(timedelta(hours=48))
    assert await sweep_acknowledgements_once(runtime) == 2  # type: ignore[arg-type]
    assert await sweep_acknowledgements_once(runtime) == 0  # type: ignore[arg-type]


async def test_a_central_allocation_proposed_asks_the_allocator_and_its_approval_closes_it(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    from shared.contracts.funding import CentralAllocationApproved, CentralAllocationProposed

    harness = await harness_for("notification", SUBSCRIPTIONS)
    allocation = {
        "allocation_id": uuid4(),
        "programme_code": "kaifeng-2019",
        "amount_fen": 1_000_000_00,
        "allocated_fen": 1_000_000_00,
        "projects": 3,
    }
    await harness.deliver(CentralAllocationProposed(**allocation, proposed_by="housing"), event_id="proposed")
    item = await _item(harness, "finance")
    assert item.request_code == "central-allocation-approval" and item.project_id is None
    assert item.acknowledge_by == DEFAULT_NOW + timedelta(hours=24)  # Kaifeng 七(七) 日督导, read as a day
    other = {**allocation, "allocation_id": uuid4()}
    await harness.deliver(CentralAllocationApproved(**other, approved_by="finance"), event_id="other")
    assert (await _item(harness, "finance")).state is ActionState.OPEN  # another allocation
    await harness.deliver(CentralAllocationApproved(**allocation, approved_by="finance"), event_id="approved")
    item = await _item(harness, "finance")
    assert item.state is ActionState.DONE and item.action_event_id == "approved"

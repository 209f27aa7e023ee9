"""Action items, read side and edges, on SQLite: who lists which items in which state and order,
which items the acknowledgement times count, what recording an action twice answers and audits,
and how the overdue sweep picks, bounds and locks what it escalates.

Rows are stored directly where only a read is under test (their times and ids chosen so that
order and bounds are visible); the rules are the module's docstrings: a department sees its own
items and the office every one, oldest due first; times count items asked in [since, until).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.acknowledgements import (
    _key,
    acknowledge,
    escalate_overdue,
    get_item,
    list_items,
    record_action,
    times,
)
from services.notification.models import ActionItem, ActionState, Delivery, InboxItem
from shared.access import OrganisationKind, Principal
from shared.audit import AuditEntry
from shared.contracts.envelope import CloudEvent
from shared.contracts.funding import SubsidyApproved
from shared.contracts.registry import ProjectAccepted
from shared.errors import InvalidState, NotFoundError
from tests.handlers.harness import DEFAULT_NOW, ServiceHarness
from tests.handlers.notification.helpers import JINSHUI, ORGS, subscribe
from tests.support.sql_capture import postgresql_selects

FIRE = Principal("fire-user", "fire", OrganisationKind.DEPARTMENT)
POLICE = Principal("police-user", "police", OrganisationKind.DEPARTMENT)
OFFICE = ORGS["office"]
ZHENGZHOU = "zhengzhou-2019"


def _item(
    org: str,
    *,
    due_in_h: float = 48,
    created: datetime = DEFAULT_NOW,
    project: str | None = "p-1",
    programme: str = ZHENGZHOU,
    item_id: uuid.UUID | None = None,
    acknowledged: bool = False,
    done: bool = False,
) -> ActionItem:
    return ActionItem(
        id=item_id or uuid.uuid4(),
        org_code=org,
        programme_code=programme,
        request_code="fire-inspection",
        title="消防设施、消防通道指导检查",
        event_id=f"e-{uuid.uuid4().hex[:12]}",
        event_type="registry.project.construction_started.v1",
        project_id=project,
        district_code=JINSHUI,
        created_at=created,
        acknowledge_by=created + timedelta(hours=due_in_h),
        acknowledged_at=created + timedelta(hours=1) if acknowledged or done else None,
        acknowledged_by="someone" if acknowledged or done else None,
        action_at=created + timedelta(hours=2) if done else None,
    )


async def _store(harness: ServiceHarness, *items: ActionItem) -> None:
    async def add(session) -> None:  # type: ignore[no-untyped-def]
        for item in items:
            session.add(item)

    await harness.run(add)


async def _listed(harness: ServiceHarness, actor: Principal, **given) -> list[ActionItem]:  # type: ignore[no-untyped-def]
    options = {"state": None, "overdue": False, "project_id": None, "limit": 50, "now": DEFAULT_NOW, **given}
    return await harness.run(lambda s: list_items(s, actor, **options))


async def test_a_department_lists_only_its_own_items_and_the_office_all(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    fire, police = _item("fire"), _item("police")
    await _store(harness, fire, police)
    assert [i.id for i in await _listed(harness, FIRE)] == [fire.id]
    assert [i.id for i in await _listed(harness, POLICE)] == [police.id]
    assert {i.id for i in await _listed(harness, OFFICE)} == {fire.id, police.id}


async def test_items_are_listed_for_one_project_when_asked(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    first, second = _item("fire", project="p-1"), _item("fire", project="p-2")
    await _store(harness, first, second)
    assert [i.id for i in await _listed(harness, FIRE, project_id="p-2")] == [second.id]
    assert {i.id for i in await _listed(harness, FIRE)} == {first.id, second.id}


async def test_each_state_lists_exactly_the_items_in_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    open_, acknowledged, done = _item("fire"), _item("fire", acknowledged=True), _item("fire", done=True)
    await _store(harness, open_, acknowledged, done)
    for state, expected in (
        (ActionState.OPEN, open_),
        (ActionState.ACKNOWLEDGED, acknowledged),
        (ActionState.DONE, done),
    ):
        listed = await _listed(harness, FIRE, state=state)
        assert [(i.id, i.state) for i in listed] == [(expected.id, state)]
    assert len(await _listed(harness, FIRE)) == 3  # no state: every item


async def test_overdue_lists_the_unacknowledged_items_due_by_now(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    late = _item("fire", due_in_h=-1)
    due_now = _item("fire", due_in_h=0)
    not_yet = _item("fire", due_in_h=1)
    late_but_acknowledged = _item("fire", due_in_h=-2, acknowledged=True)
    await _store(harness, late, due_now, not_yet, late_but_acknowledged)
    listed = await _listed(harness, FIRE, overdue=True)
    assert [i.id for i in listed] == [late.id, due_now.id]


async def test_items_are_listed_oldest_due_first_then_by_id_and_bounded_by_the_limit(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    ids = sorted(uuid.uuid4() for _ in range(3))
    # stored in an order that is neither the due order nor the id order
    later = _item("fire", due_in_h=10, item_id=ids[0])
    tie_high = _item("fire", due_in_h=5, item_id=ids[2])
    tie_low = _item("fire", due_in_h=5, item_id=ids[1])
    await _store(harness, later, tie_high, tie_low)
    listed = await _listed(harness, FIRE)
    assert [i.id for i in listed] == [tie_low.id, tie_high.id, later.id]
    assert [i.id for i in await _listed(harness, FIRE, limit=2)] == [tie_low.id, tie_high.id]


async def test_times_count_items_asked_from_since_up_to_but_not_including_until(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    since, until = DEFAULT_NOW, DEFAULT_NOW + timedelta(days=7)
    await _store(
        harness,
        _item("fire", created=since - timedelta(seconds=1)),
        _item("fire", created=since),
        _item("fire", created=since + timedelta(days=3)),
        _item("fire", created=until),
    )
    now = until + timedelta(days=10)
    (fire,) = await harness.run(lambda s: times(s, OFFICE, now=now, since=since, until=until))
    assert (fire.org_code, fire.items) == ("fire", 2)
    (everything,) = await harness.run(lambda s: times(s, OFFICE, now=now))
    assert everything.items == 4


async def test_times_count_only_the_programme_asked_for(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await _store(
        harness,
        _item("fire", programme=ZHENGZHOU),
        _item("fire", programme=ZHENGZHOU),
        _item("fire", programme="kaifeng-2019"),
    )
    now = DEFAULT_NOW + timedelta(days=10)
    (zhengzhou,) = await harness.run(lambda s: times(s, FIRE, now=now, programme_code=ZHENGZHOU))
    assert zhengzhou.items == 2
    (kaifeng,) = await harness.run(lambda s: times(s, FIRE, now=now, programme_code="kaifeng-2019"))
    assert kaifeng.items == 1


async def test_recording_an_action_twice_says_when_it_was_recorded_and_that_the_item_is_done(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    item = _item("fire")
    await _store(harness, item)
    await harness.run(lambda s: record_action(s, FIRE, item.id, note="已检查", now=DEFAULT_NOW))
    with pytest.raises(InvalidState) as twice:
        await harness.run(lambda s: record_action(s, FIRE, item.id, note="again", now=DEFAULT_NOW))
    assert DEFAULT_NOW.isoformat() in twice.value.detail and str(item.id) in twice.value.detail
    assert twice.value.current == "done" and twice.value.allowed == []


async def test_recording_an_action_audits_the_item_and_its_note(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    item = _item("fire")
    await _store(harness, item)
    await harness.run(lambda s: acknowledge(s, FIRE, item.id, now=DEFAULT_NOW))
    note = "已现场检查消防通道，提出整改意见两条"
    await harness.run(lambda s: record_action(s, FIRE, item.id, note=note, now=DEFAULT_NOW))
    entries = await harness.all(AuditEntry)
    acted = [e for e in entries if e.action == "action_item.acted"]
    assert [(e.record_type, e.record_id, e.actor_subject) for e in acted] == [
        ("action_item", str(item.id), "fire-user")
    ]
    assert json.loads(acted[0].after) == {"note": note}


async def test_the_sweep_escalates_the_earliest_due_first_and_no_more_than_its_limit(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    later = _item("fire", due_in_h=-1)
    earlier = _item("police", due_in_h=-5)
    await _store(harness, later, earlier)  # stored latest-due first
    assert await harness.run(lambda s: escalate_overdue(s, now=DEFAULT_NOW, limit=1)) == 1
    escalated = {i.org_code: i.escalated_at for i in await harness.all(ActionItem)}
    assert escalated == {"police": DEFAULT_NOW, "fire": None}
    assert await harness.run(lambda s: escalate_overdue(s, now=DEFAULT_NOW, limit=1)) == 1
    assert await harness.run(lambda s: escalate_overdue(s, now=DEFAULT_NOW, limit=1)) == 0


async def test_an_item_of_an_unknown_programme_is_marked_without_a_notice_and_the_rest_go_on(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    orphan = _item("fire", due_in_h=-5, programme="retired-2015")
    known = _item("police", due_in_h=-1)
    await _store(harness, orphan, known)
    assert await harness.run(lambda s: escalate_overdue(s, now=DEFAULT_NOW)) == 2
    assert all(i.escalated_at == DEFAULT_NOW for i in await harness.all(ActionItem))
    notices = [i for i in await harness.all(InboxItem) if i.event_type == "notification.notice"]
    assert [(n.org_code, n.event_id) for n in notices] == [("zz-renovation-office", f"overdue:{known.id}")]


async def test_the_escalation_notice_names_the_project_and_the_district(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "office", ["registry.project.accepted.v1"], channel="email", email="o@zz.gov.cn")
    item = _item("fire", due_in_h=-1, project="p-42")
    await _store(harness, item)
    await harness.run(lambda s: escalate_overdue(s, now=DEFAULT_NOW))
    (queued,) = await harness.all(Delivery)
    data = CloudEvent.from_bytes(queued.content.encode()).data
    assert (data["project_id"], data["district_code"]) == ("p-42", JINSHUI)
    (notice,) = [i for i in await harness.all(InboxItem) if i.event_type == "notification.notice"]
    assert "项目编号：p-42" in notice.body and f"区县：{JINSHUI}" in notice.body


async def test_the_sweep_skips_items_another_replica_holds_on_postgresql(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await _store(harness, _item("fire", due_in_h=-1))
    statements: list[str] = []

    def keep(conn, clauseelement, multiparams, params, execution_options):  # type: ignore[no-untyped-def]
        if getattr(clauseelement, "is_select", False):
            statements.append(str(clauseelement.compile(dialect=postgresql.dialect())))

    event.listen(harness.engine.sync_engine, "before_execute", keep)
    try:
        await harness.run(lambda s: escalate_overdue(s, now=DEFAULT_NOW))
    finally:
        event.remove(harness.engine.sync_engine, "before_execute", keep)
    (sweep,) = [s for s in statements if "FROM action_item" in s and "escalated_at IS NULL" in s]
    assert sweep.rstrip().endswith("FOR UPDATE SKIP LOCKED")
    assert "ORDER BY action_item.acknowledge_by" in sweep


async def test_acknowledging_twice_says_when_and_what_is_left_to_do(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    item = _item("fire")
    await _store(harness, item)
    await harness.run(lambda s: acknowledge(s, FIRE, item.id, now=DEFAULT_NOW))
    with pytest.raises(InvalidState) as twice:
        await harness.run(lambda s: acknowledge(s, FIRE, item.id, now=DEFAULT_NOW))
    assert DEFAULT_NOW.isoformat() in twice.value.detail and str(item.id) in twice.value.detail
    assert (twice.value.current, twice.value.allowed) == ("acknowledged", ["action"])
    entries = [e for e in await harness.all(AuditEntry) if e.action == "action_item.acknowledged"]
    assert [(e.record_type, e.record_id, e.actor_subject) for e in entries] == [
        ("action_item", str(item.id), "fire-user")
    ]


async def test_acknowledging_an_item_already_done_leaves_nothing_to_do(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    item = _item("fire")
    await _store(harness, item)
    await harness.run(lambda s: record_action(s, FIRE, item.id, note="已检查", now=DEFAULT_NOW))
    with pytest.raises(InvalidState) as late:
        await harness.run(lambda s: acknowledge(s, FIRE, item.id, now=DEFAULT_NOW))
    assert (late.value.current, late.value.allowed) == ("done", [])


def _accepted_and_approved(project_id: uuid.UUID) -> tuple[ProjectAccepted, SubsidyApproved]:
    ids = {"project_id": project_id, "district_code": JINSHUI, "programme_code": ZHENGZHOU}
    accepted = ProjectAccepted(
        **ids, community_id=uuid.uuid4(), investment_fen=100, accepted_on=date(2026, 11, 1)
    )
    approved = SubsidyApproved(**ids, award_id=uuid.uuid4(), basis_fen=100, ratio="0.40", amount_fen=40)  # type: ignore[arg-type]
    return accepted, approved


async def test_an_approval_records_the_action_on_the_award_approval_and_no_other_request(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    project_id = uuid.uuid4()
    accepted, approved = _accepted_and_approved(project_id)
    other_request = _item("finance", project=str(project_id))  # the same project, another request
    other_request.match_key = str(project_id)
    await _store(harness, other_request)
    await harness.deliver(accepted, event_id="accepted")
    await harness.deliver(approved, event_id="approved")
    items = {i.request_code: i for i in await harness.all(ActionItem)}
    assert items["fire-inspection"].state is ActionState.OPEN
    done = items["award-approval"]
    assert done.acknowledged_by == done.action_by == f"event:{SubsidyApproved.TYPE}"
    assert done.action_note == f"平台已收到事件 {SubsidyApproved.TYPE}（approved），据此记录办理结果。"


async def test_an_approval_keeps_who_acknowledged_and_leaves_an_action_already_recorded(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    first, second = uuid.uuid4(), uuid.uuid4()
    for project_id in (first, second):
        accepted, _ = _accepted_and_approved(project_id)
        await harness.deliver(accepted, event_id=f"accepted-{project_id}")
    by_project = {i.project_id: i for i in await harness.all(ActionItem)}
    finance = replace(ORGS["finance"], subject="finance-user")
    await harness.run(lambda s: acknowledge(s, finance, by_project[str(first)].id, now=DEFAULT_NOW))
    await harness.run(
        lambda s: record_action(s, finance, by_project[str(second)].id, note="已批准", now=DEFAULT_NOW)
    )
    later = DEFAULT_NOW + timedelta(hours=1)
    harness.clock.advance(timedelta(hours=1))
    for project_id in (first, second):
        _, approved = _accepted_and_approved(project_id)
        await harness.deliver(approved, event_id=f"approved-{project_id}")
    by_project = {i.project_id: i for i in await harness.all(ActionItem)}
    acknowledged_first = by_project[str(first)]
    assert (acknowledged_first.acknowledged_by, acknowledged_first.acknowledged_at) == (
        "finance-user",
        DEFAULT_NOW,
    )
    assert (acknowledged_first.action_by, acknowledged_first.action_at) == (
        f"event:{SubsidyApproved.TYPE}",
        later,
    )
    done_before = by_project[str(second)]
    assert (done_before.action_by, done_before.action_note, done_before.action_event_id) == (
        "finance-user",
        "已批准",
        None,
    )


async def test_reading_an_item_takes_no_lock_and_acting_on_it_does_on_postgresql(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    item = _item("fire")
    await _store(harness, item)
    with postgresql_selects(harness) as reads:
        await harness.run(lambda s: get_item(s, OFFICE, item.id))
    (read,) = [s for s in reads if "FROM action_item" in s]
    assert "FOR UPDATE" not in read
    with postgresql_selects(harness) as writes:
        await harness.run(lambda s: acknowledge(s, FIRE, item.id, now=DEFAULT_NOW))
    (locked,) = [s for s in writes if "FROM action_item" in s]
    assert locked.rstrip().endswith("FOR UPDATE")


async def test_an_item_another_department_owns_or_none_at_all_is_not_found_naming_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    item = _item("fire")
    await _store(harness, item)
    for actor, item_id in ((POLICE, item.id), (OFFICE, uuid.uuid4())):
        with pytest.raises(NotFoundError) as hidden:
            await harness.run(lambda s, a=actor, i=item_id: get_item(s, a, i))
        assert hidden.value.detail == f"no action item {item_id}"
    with pytest.raises(NotFoundError) as office_acting:  # the office reads; only the department acts
        await harness.run(lambda s: acknowledge(s, OFFICE, item.id, now=DEFAULT_NOW))
    assert office_acting.value.detail == f"no action item {item.id}"


async def test_the_escalation_reaches_the_offices_webhooks_as_well_as_its_mailboxes(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "office", ["registry.project.accepted.v1"])
    mail = await subscribe(
        harness, "office", ["registry.project.accepted.v1"], channel="email", email="o@zz.gov.cn"
    )
    await _store(harness, _item("fire", due_in_h=-1))
    await harness.run(lambda s: escalate_overdue(s, now=DEFAULT_NOW))
    assert {d.subscription_id for d in await harness.all(Delivery)} == {hook.id, mail.id}


def test_a_match_key_is_the_fields_text_cut_to_64_and_none_when_the_field_is_empty() -> None:
    assert _key({"project_id": "p" * 70}, "project_id") == "p" * 64
    assert _key({"project_id": 42}, "project_id") == "42"
    for empty in ({"project_id": None}, {"project_id": ""}, {}):
        assert _key(empty, "project_id") is None


async def test_an_item_takes_its_district_from_the_payload_when_the_envelope_names_none(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    accepted, _ = _accepted_and_approved(uuid.uuid4())
    envelope = CloudEvent.wrap(accepted, event_id="accepted").model_copy(update={"districtcode": None})
    assert await harness.redeliver(envelope) == "handled"
    (item,) = await harness.all(ActionItem)
    assert (item.org_code, item.district_code) == ("finance", JINSHUI)


async def test_an_event_of_a_programme_no_profile_knows_asks_no_one(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    accepted, _ = _accepted_and_approved(uuid.uuid4())
    retired = accepted.model_copy(update={"programme_code": "retired-2015"})
    assert await harness.deliver(retired, event_id="retired") == "handled"
    assert await harness.all(ActionItem) == []

"""Payload minimisation applied at fan-out: each subscription's stored (and signed) body and each
inbox item carry only what the organisation's role receives; the e-mail renders from that body."""

from __future__ import annotations

from services.notification.channels.email import EmailSender
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import lease_due
from services.notification.models import Delivery, InboxItem
from shared.access import OrganisationKind, Principal
from shared.contracts.envelope import CloudEvent
from tests.handlers.harness import DEFAULT_NOW
from tests.handlers.notification.helpers import ACCEPTED, APPROVED, accepted, approved, subscribe
from tests.handlers.notification.test_responsibility_routing import OVERHEAD_LINES, STARTED, project

POLICE = Principal("c", "police", OrganisationKind.DEPARTMENT)


async def _bodies(harness) -> dict[str, CloudEvent]:  # type: ignore[no-untyped-def]
    by_subscription = {}
    for delivery in await harness.all(Delivery):
        by_subscription[str(delivery.subscription_id)] = CloudEvent.from_bytes(delivery.content.encode())
    return by_subscription


async def test_each_webhook_body_is_the_envelope_minimised_for_its_owner(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    police = await subscribe(harness, POLICE, [ACCEPTED])
    finance = await subscribe(harness, "finance", [ACCEPTED])
    district = await subscribe(harness, "jinshui", [ACCEPTED])
    event = accepted()
    await harness.deliver(event, event_id="acc")
    bodies = await _bodies(harness)
    full = event.model_dump(mode="json")
    assert bodies[str(district.id)].data == full
    assert "investment_fen" in bodies[str(finance.id)].data
    police_body = bodies[str(police.id)]
    assert police_body.id == "acc" and police_body.type == ACCEPTED  # still a CloudEvent
    assert "investment_fen" not in police_body.data and police_body.data["accepted_on"] == "2026-11-20"


async def test_a_utility_webhook_carries_its_own_work_and_no_money(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    power = await subscribe(harness, "power", [STARTED])
    plan, started = project([OVERHEAD_LINES])
    await harness.deliver(plan, event_id="plan")
    await harness.deliver(started, event_id="start")
    body = (await _bodies(harness))[str(power.id)].data
    assert set(body) == {"project_id", "community_id", "district_code", "programme_code", "started_on"}


async def test_inbox_and_email_for_a_department_without_money_show_no_amount(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, POLICE, [APPROVED], channel="inbox")
    await subscribe(harness, POLICE, [APPROVED], channel="email", email="ops@police.gov.cn")
    await harness.deliver(approved(), event_id="award")
    (item,) = [i for i in await harness.all(InboxItem) if i.org_code == "police"]
    assert "金额" not in item.body and "项目编号" in item.body
    (leased,) = await harness.run(lambda s: lease_due(s, now=DEFAULT_NOW, lease_s=30, limit=5))
    sender = EmailSender(hostname="127.0.0.1", port=1, sender="noreply@renovation.local", timeout_s=1)
    message = sender.message(leased, DEFAULT_NOW)
    assert "金额" not in message.get_content() and "奖补资金已批准" in message["Subject"]
    (finance_inbox,) = [i for i in await harness.all(InboxItem) if i.org_code == "finance"]
    assert "金额：200000.00 元" in finance_inbox.body  # routed by responsibility, with its money

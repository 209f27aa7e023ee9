"""The in-app inbox on SQLite: one item per entitled event per organisation, read and unread."""

from __future__ import annotations

import pytest

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.inbox import count, list_items, mark_all_read, mark_read
from services.notification.models import Delivery, InboxItem
from shared.errors import NotFound, RuleViolation
from tests.handlers.notification.helpers import (
    ACCEPTED,
    APPROVED,
    ERQI,
    JINSHUI,
    ORGS,
    accepted,
    approved,
    subscribe,
)


async def test_entitled_events_land_in_the_inbox_once_with_a_chinese_title(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "jinshui", [ACCEPTED, APPROVED], channel="inbox")
    await subscribe(harness, "jinshui", [ACCEPTED], channel="inbox")  # a second inbox subscription
    await harness.deliver(accepted(JINSHUI), event_id="e1")
    await harness.deliver(accepted(ERQI), event_id="e2")
    await harness.deliver(approved(JINSHUI), event_id="e3")
    items = await harness.run(lambda s: list_items(s, ORGS["jinshui"], unread_only=False, limit=10))
    assert sorted(i.event_id for i in items) == ["e1", "e3"]
    titles = {i.event_id: i.title for i in items}
    assert titles == {"e1": "【老旧小区改造】项目已通过竣工验收", "e3": "【老旧小区改造】奖补资金已批准"}
    assert "200000.00 元" in next(i.body for i in items if i.event_id == "e3")
    assert await harness.all(Delivery) == []  # the inbox is written at fan-out, nothing to send


async def test_reading_changes_the_unread_count_and_only_ones_own(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [ACCEPTED], channel="inbox")
    for n in range(3):
        await harness.deliver(accepted(), event_id=f"e{n}")
    finance, office = ORGS["finance"], ORGS["office"]
    assert (await harness.run(lambda s: count(s, finance))).model_dump() == {"unread": 3, "total": 3}
    (first, *_) = await harness.all(InboxItem)
    now = harness.clock.now()
    with pytest.raises(NotFound):
        await harness.run(lambda s: mark_read(s, office, first.id, now=now))
    read = await harness.run(lambda s: mark_read(s, finance, first.id, now=now))
    assert read.read_at == now
    assert (await harness.run(lambda s: count(s, finance))).model_dump() == {"unread": 2, "total": 3}
    unread = await harness.run(lambda s: list_items(s, finance, unread_only=True, limit=10))
    assert first.id not in {i.id for i in unread} and len(unread) == 2
    assert (await harness.run(lambda s: mark_all_read(s, finance, now=now))).model_dump() == {
        "unread": 0,
        "total": 3,
    }
    assert (await harness.run(lambda s: count(s, office))).model_dump() == {"unread": 0, "total": 0}


@pytest.mark.parametrize(
    ("channel", "url", "email", "problem"),
    [
        ("inbox", "https://x.example.org/hook", None, ("endpoint_url", "not_for_channel")),
        ("email", None, None, ("email_address", "required_for_channel")),
        ("email", None, "not-an-address", ("email_address", "mailbox_address")),
        ("email", None, "a@b.cn\r\nBcc: evil@example.org", ("email_address", "mailbox_address")),
        ("webhook", "https://x.example.org/hook", "a@b.cn", ("email_address", "not_for_channel")),
    ],
)
async def test_each_channel_names_exactly_its_target(harness_for, channel, url, email, problem) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    with pytest.raises(RuleViolation) as refused:
        await subscribe(harness, "finance", [ACCEPTED], url=url, channel=channel, email=email)
    assert problem in [(e.field, e.rule) for e in refused.value.errors]

"""Platform notices and the pull feed, their edges, on SQLite: a notice goes to the inbox and to
the organisation's own active subscriptions on the channels asked (never another's, never an
ended one, never the one skipped), and says how many it queued; a feed page scans a bounded
number of rows, in sequence order, so a reader who may see little still gets a bounded query.
"""

from __future__ import annotations

from services.notification.domain.channels import Channel
from services.notification.domain.notices import endpoint_disabled
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.feed import SCAN_FACTOR, read
from services.notification.handlers.notices import tell
from services.notification.handlers.subscriptions import unsubscribe
from services.notification.models import Delivery, InboxItem
from tests.handlers.harness import DEFAULT_NOW, ServiceHarness
from tests.handlers.notification.helpers import APPROVED, ERQI, ORGS, accepted, subscribe
from tests.support.sql_capture import postgresql_selects


async def _tell(harness: ServiceHarness, org: str, **options) -> int:  # type: ignore[no-untyped-def]
    notice = endpoint_disabled("sub-1", "https://x.example.org/hook", "已停用", now=DEFAULT_NOW)
    return await harness.run(lambda s: tell(s, ORGS[org].org_code, notice, now=DEFAULT_NOW, **options))


async def test_a_notice_is_queued_to_each_of_the_organisations_own_active_mailboxes_and_counted(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    first = await subscribe(harness, "finance", [APPROVED], channel="email", email="a@zz.gov.cn")
    second = await subscribe(
        harness, "finance", ["registry.project.accepted.v1"], channel="email", email="b@zz.gov.cn"
    )
    ended = await subscribe(harness, "finance", [APPROVED], channel="email", email="c@zz.gov.cn")
    await harness.run(lambda s: unsubscribe(s, ORGS["finance"], ended.id, now=DEFAULT_NOW))
    await subscribe(harness, "office", [APPROVED], channel="email", email="office@zz.gov.cn")
    await subscribe(harness, "finance", [APPROVED])  # a webhook: not asked for by default
    assert await _tell(harness, "finance") == 2
    assert {d.subscription_id for d in await harness.all(Delivery)} == {first.id, second.id}
    (item,) = await harness.all(InboxItem)
    assert (item.org_code, item.event_id) == ("finance", "disabled:sub-1")


async def test_a_notice_skips_the_subscription_named_and_still_reaches_the_others(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [APPROVED])
    mail = await subscribe(harness, "finance", [APPROVED], channel="email", email="a@zz.gov.cn")
    other_hook = await subscribe(harness, "finance", [APPROVED], url="https://other.example.org/hook")
    queued = await _tell(harness, "finance", channels=(Channel.WEBHOOK, Channel.EMAIL), skip=hook.id)
    assert queued == 2
    assert {d.subscription_id for d in await harness.all(Delivery)} == {mail.id, other_hook.id}


async def test_a_notice_with_no_subscription_to_queue_to_is_only_in_the_inbox(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    assert await _tell(harness, "finance") == 0
    assert await harness.all(Delivery) == []
    assert len(await harness.all(InboxItem)) == 1


async def test_a_feed_page_scans_a_bounded_number_of_rows_and_resumes_after_them(harness_for) -> None:  # type: ignore[no-untyped-def]
    """With limit 1 a page reads SCAN_FACTOR rows: a reader who may see none of them gets an empty
    page whose cursor is past them, and its event on the next page."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    for n in range(SCAN_FACTOR):
        await harness.deliver(accepted(ERQI), event_id=f"erqi-{n}")
    await harness.deliver(accepted(), event_id="jinshui")
    jinshui = ORGS["jinshui"]
    first = await harness.run(lambda s: read(s, jinshui, after=0, limit=1))
    assert (first.items, first.next_cursor) == ([], str(SCAN_FACTOR))
    second = await harness.run(lambda s: read(s, jinshui, after=SCAN_FACTOR, limit=1))
    assert [i["id"] for i in second.items] == ["jinshui"]


async def test_a_feed_page_is_read_in_sequence_order(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await harness.deliver(accepted(), event_id="jinshui")
    with postgresql_selects(harness) as statements:
        await harness.run(lambda s: read(s, ORGS["office"], after=0, limit=5))
    (query,) = [s for s in statements if "FROM feed_entry" in s]
    assert "ORDER BY feed_entry.seq" in query and "LIMIT" in query

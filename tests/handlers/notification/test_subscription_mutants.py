"""Subscription and inbox commands, their edges, on SQLite: who lists which subscriptions in which
order; what rotating a secret and ending a subscription lock, store, audit and answer to a
stranger; an organisation's inbox counts and marks only its own items, and reading keeps the
first read time.

Row locks cannot be seen on SQLite, so the statements are compiled for PostgreSQL, where
`FOR UPDATE` serialises two owners changing one subscription (or one reader marking one item).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.inbox import add_notice, count, list_items, mark_all_read, mark_read
from services.notification.handlers.subscriptions import (
    check_endpoint,
    create_subscription,
    get_subscription,
    list_subscriptions,
    rotate_secret,
    unsubscribe,
    update_subscription,
)
from services.notification.models import InboxItem, Subscription, SubscriptionCreate, SubscriptionUpdate
from shared.audit import AuditEntry
from shared.errors import Conflict, NotFoundError, RuleViolation
from tests.handlers.harness import DEFAULT_NOW, ServiceHarness
from tests.handlers.notification.helpers import ACCEPTED, APPROVED, ORGS, policy, subscribe
from tests.support.sql_capture import postgresql_selects

ZHENGZHOU = "zhengzhou-2019"


async def _audited(harness: ServiceHarness, action: str) -> list[tuple[str, str]]:
    return [(e.record_type, e.record_id) for e in await harness.all(AuditEntry) if e.action == action]


async def test_the_office_lists_every_subscription_oldest_first_and_others_their_own(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    later = await subscribe(harness, "finance", [APPROVED])
    earlier = await subscribe(harness, "power", [ACCEPTED])
    own = await subscribe(harness, "finance", [ACCEPTED])

    async def backdate(session) -> None:  # type: ignore[no-untyped-def]
        for sub, hours in ((later, 1), (earlier, 3), (own, 0)):
            row = await session.get(Subscription, sub.id)
            row.created_at = DEFAULT_NOW - timedelta(hours=hours)
            session.add(row)

    await harness.run(backdate)
    office = await harness.run(lambda s: list_subscriptions(s, ORGS["office"]))
    assert [s.id for s in office] == [earlier.id, later.id, own.id]
    finance = await harness.run(lambda s: list_subscriptions(s, ORGS["finance"]))
    assert [s.id for s in finance] == [later.id, own.id]
    assert [s.id for s in await harness.run(lambda s: list_subscriptions(s, ORGS["erqi"]))] == []


def _rotate(actor: str, sub_id: Any) -> Callable[[Any], Awaitable[Any]]:
    return lambda s: rotate_secret(s, ORGS[actor], sub_id, now=DEFAULT_NOW, overlap_s=3600)


def _end(actor: str, sub_id: Any) -> Callable[[Any], Awaitable[Any]]:
    return lambda s: unsubscribe(s, ORGS[actor], sub_id, now=DEFAULT_NOW)


@pytest.mark.parametrize("change", [_rotate, _end], ids=["rotate", "unsubscribe"])
async def test_only_the_owner_changes_a_subscription_and_a_stranger_is_told_it_does_not_exist(
    harness_for, change
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    for other in ("office", "power"):
        with pytest.raises(NotFoundError) as refused:
            await harness.run(change(other, sub.id))
        assert refused.value.detail == f"no subscription {sub.id}"


@pytest.mark.parametrize("change", [_rotate, _end], ids=["rotate", "unsubscribe"])
async def test_a_change_locks_the_subscription_row_on_postgresql(harness_for, change) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    with postgresql_selects(harness) as statements:
        await harness.run(change("finance", sub.id))
    (read,) = [s for s in statements if "FROM subscription" in s]
    assert read.rstrip().endswith("FOR UPDATE")


async def test_rotating_a_secret_is_audited_against_the_subscription(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    await harness.run(_rotate("finance", sub.id))
    assert await _audited(harness, "subscription.secret_rotated") == [("subscription", str(sub.id))]


async def test_ending_a_subscription_records_when_and_is_audited_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    ended = await harness.run(_end("finance", sub.id))
    assert (ended.active, ended.disabled_at, ended.fingerprint) == (False, DEFAULT_NOW, None)
    again = await harness.run(_end("finance", sub.id))  # ending it again changes nothing
    assert again.disabled_at == DEFAULT_NOW
    assert await _audited(harness, "subscription.ended") == [("subscription", str(sub.id))]


async def test_an_organisation_may_end_several_subscriptions_and_subscribe_the_same_again(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """An ended subscription keeps no fingerprint, so neither two ended ones nor a new identical
    one collide with it."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    first = await subscribe(harness, "finance", [APPROVED])
    second = await subscribe(harness, "finance", [ACCEPTED])
    await harness.run(_end("finance", first.id))
    await harness.run(_end("finance", second.id))
    again = await subscribe(harness, "finance", [APPROVED])
    assert again.active and again.fingerprint == first.fingerprint
    rows = {s.id: s for s in await harness.all(Subscription)}
    assert rows[first.id].fingerprint is None and rows[second.id].fingerprint is None


async def _notice(harness: ServiceHarness, org: str, key: str) -> InboxItem:
    await harness.run(lambda s: _add(s, ORGS[org].org_code, key))
    (item,) = [i for i in await harness.all(InboxItem) if i.event_id == key]
    return item


async def _add(session, org_code: str, key: str) -> None:  # type: ignore[no-untyped-def]
    add_notice(session, org_code, key=key, title="通知", body="正文", now=DEFAULT_NOW)


async def test_the_inbox_counts_only_the_readers_own_unread_items(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    for n in range(3):
        await _notice(harness, "power", f"power-{n}")
    mine = await _notice(harness, "finance", "finance-0")
    await _notice(harness, "finance", "finance-1")
    await harness.run(lambda s: mark_read(s, ORGS["finance"], mine.id, now=DEFAULT_NOW))
    counted = await harness.run(lambda s: count(s, ORGS["finance"]))
    assert (counted.unread, counted.total) == (1, 2)


async def test_marking_all_read_touches_only_the_readers_unread_items(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    first = await _notice(harness, "finance", "finance-0")
    await _notice(harness, "finance", "finance-1")
    await _notice(harness, "power", "power-0")
    await harness.run(lambda s: mark_read(s, ORGS["finance"], first.id, now=DEFAULT_NOW))
    later = DEFAULT_NOW + timedelta(hours=2)
    counted = await harness.run(lambda s: mark_all_read(s, ORGS["finance"], now=later))
    assert (counted.unread, counted.total) == (0, 2)
    read_at = {i.event_id: i.read_at for i in await harness.all(InboxItem)}
    assert read_at == {"finance-0": DEFAULT_NOW, "finance-1": later, "power-0": None}
    unread = await harness.run(lambda s: list_items(s, ORGS["power"], unread_only=True, limit=10))
    assert [i.event_id for i in unread] == ["power-0"]


async def test_marking_another_organisations_item_read_is_not_found_naming_it(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    item = await _notice(harness, "power", "power-0")
    for missing in (item.id, uuid4()):
        with pytest.raises(NotFoundError) as refused:
            await harness.run(lambda s, i=missing: mark_read(s, ORGS["finance"], i, now=DEFAULT_NOW))
        assert refused.value.detail == f"no inbox item {missing}"


async def test_marking_an_item_read_locks_it_on_postgresql(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    item = await _notice(harness, "finance", "finance-0")
    with postgresql_selects(harness) as statements:
        await harness.run(lambda s: mark_read(s, ORGS["finance"], item.id, now=DEFAULT_NOW))
    (read,) = [s for s in statements if "FROM inbox_item" in s]
    assert read.rstrip().endswith("FOR UPDATE")


async def _change(harness: ServiceHarness, actor: str, sub_id: Any, **fields: Any) -> Subscription:
    body = SubscriptionUpdate(**fields)
    return await harness.run(lambda s: update_subscription(s, ORGS[actor], sub_id, body, policy=policy()))


async def test_a_stranger_changing_a_subscription_is_told_it_does_not_exist(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    with pytest.raises(NotFoundError) as refused:
        await _change(harness, "office", sub.id, event_types=[ACCEPTED])
    assert refused.value.detail == f"no subscription {sub.id}"
    with postgresql_selects(harness) as statements:
        await _change(harness, "finance", sub.id, event_types=[ACCEPTED])
    assert [s for s in statements if "FROM subscription" in s][0].rstrip().endswith("FOR UPDATE")


@pytest.mark.parametrize(("reason", "said"), [(None, "ended"), ("unsubscribed", "unsubscribed")])
async def test_an_ended_subscription_cannot_change_and_the_problem_says_why(
    harness_for, reason: str | None, said: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])

    async def end(session) -> None:  # type: ignore[no-untyped-def]
        row = await session.get(Subscription, sub.id)
        row.active, row.disabled_reason = False, reason
        session.add(row)

    await harness.run(end)
    with pytest.raises(Conflict) as refused:
        await _change(harness, "finance", sub.id, event_types=[ACCEPTED])
    assert refused.value.detail == "an ended subscription cannot change; create a new one"
    assert [(e.field, e.rule, e.message) for e in refused.value.errors] == [
        ("subscription", "subscription_active", said)
    ]


async def test_a_programme_filter_stays_unless_sent_and_the_audit_keeps_before_and_after(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    body = SubscriptionCreate(
        event_types=[ACCEPTED], endpoint_url="https://finance.example.org/hook", programme_codes=[ZHENGZHOU]
    )
    sub = await harness.run(
        lambda s: create_subscription(s, ORGS["finance"], body, now=DEFAULT_NOW, policy=policy())
    )
    kept = await _change(harness, "finance", sub.id, event_types=[ACCEPTED, APPROVED])
    assert kept.programme_codes == [ZHENGZHOU]
    cleared = await _change(harness, "finance", sub.id, programme_codes=None)
    assert cleared.programme_codes is None
    changed = [e for e in await harness.all(AuditEntry) if e.action == "subscription.changed"]
    first = changed[0]
    assert json.loads(first.before)["event_types"] == [ACCEPTED]
    assert json.loads(first.before)["programme_codes"] == [ZHENGZHOU]
    assert json.loads(first.after)["event_types"] == sorted([ACCEPTED, APPROVED])
    assert json.loads(changed[1].after)["programme_codes"] is None


async def test_an_item_filter_stays_unless_sent(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    body = SubscriptionCreate(
        event_types=[ACCEPTED], endpoint_url="https://finance.example.org/hook", item_codes=["lighting"]
    )
    sub = await harness.run(
        lambda s: create_subscription(s, ORGS["finance"], body, now=DEFAULT_NOW, policy=policy())
    )
    kept = await _change(harness, "finance", sub.id, event_types=[APPROVED])
    (stored,) = await harness.all(Subscription)
    assert kept.item_codes == stored.item_codes == ["lighting"]


async def test_a_new_mailbox_is_stored_in_lower_case(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED], channel="email", email="old@zz.gov.cn")
    changed = await _change(harness, "finance", sub.id, email_address="New.Box@ZZ.gov.cn")
    assert changed.email_address == "new.box@zz.gov.cn"
    kept = await _change(harness, "finance", sub.id, event_types=[ACCEPTED])
    assert kept.email_address == "new.box@zz.gov.cn"


@pytest.mark.parametrize(
    ("channel", "first", "second"),
    [
        ("webhook", {"url": "https://a.example.org/hook"}, {"url": "https://b.example.org/hook"}),
        ("email", {"email": "a@zz.gov.cn"}, {"email": "b@zz.gov.cn"}),
        ("inbox", {}, {}),
    ],
)
async def test_a_change_making_a_subscription_identical_to_another_active_one_is_refused(
    harness_for, channel: str, first: dict[str, str], second: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    """Identical is the same destination and event types and filters: an inbox has one destination,
    so two inbox subscriptions with the same types collide, and two webhooks or mailboxes do not."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    one = await subscribe(harness, "finance", [APPROVED], channel=channel, **first)
    other = await subscribe(harness, "finance", [ACCEPTED], channel=channel, **second)
    if channel == "inbox":
        with pytest.raises(Conflict) as refused:
            await _change(harness, "finance", other.id, event_types=[APPROVED])
        assert [(e.field, e.rule) for e in refused.value.errors] == [
            ("endpoint_url", "duplicate_subscription")
        ]
        return
    moved = await _change(harness, "finance", other.id, event_types=[APPROVED])  # another destination
    assert moved.event_types == [APPROVED]
    with pytest.raises(Conflict) as same_destination:
        await _change(harness, "finance", other.id, **{_field(channel): _destination(one)})
    assert (
        same_destination.value.detail
        == "an identical subscription (same endpoint and event types) already exists"
    )


def _field(channel: str) -> str:
    return "endpoint_url" if channel == "webhook" else "email_address"


def _destination(subscription: Subscription) -> str:
    return subscription.endpoint_url or subscription.email_address or ""


async def test_subscriptions_differing_only_in_filters_may_share_destination_and_types(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    url = "https://finance.example.org/hook"
    narrow = SubscriptionCreate(event_types=[APPROVED], endpoint_url=url, programme_codes=[ZHENGZHOU])
    await harness.run(
        lambda s: create_subscription(s, ORGS["finance"], narrow, now=DEFAULT_NOW, policy=policy())
    )
    wide = await subscribe(harness, "finance", [ACCEPTED], url=url)
    changed = await _change(harness, "finance", wide.id, event_types=[APPROVED])
    assert changed.event_types == [APPROVED] and changed.programme_codes is None


async def test_a_change_that_keeps_a_subscription_as_it_was_is_not_a_duplicate_of_itself(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    same = await _change(harness, "finance", sub.id, event_types=[APPROVED])
    assert same.fingerprint == sub.fingerprint
    assert await harness.audit_actions() == ["subscription.created"]  # nothing changed: no entry


async def test_after_a_change_an_identical_new_subscription_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    await _change(harness, "finance", sub.id, event_types=[ACCEPTED])
    with pytest.raises(Conflict):
        await subscribe(harness, "finance", [ACCEPTED])
    assert len(await harness.all(Subscription)) == 1


async def test_a_change_is_audited_against_the_subscription(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    await _change(harness, "finance", sub.id, event_types=[ACCEPTED])
    assert await _audited(harness, "subscription.changed") == [("subscription", str(sub.id))]


async def test_a_webhook_without_a_url_is_refused_naming_the_field() -> None:
    with pytest.raises(RuleViolation) as refused:
        await check_endpoint(None, policy())
    assert refused.value.detail == "a webhook needs endpoint_url"
    assert [(e.field, e.rule) for e in refused.value.errors] == [("endpoint_url", "required_for_channel")]


async def test_reading_a_subscription_takes_no_lock_and_a_stranger_is_told_it_does_not_exist(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED])
    with postgresql_selects(harness) as statements:
        assert (await harness.run(lambda s: get_subscription(s, ORGS["office"], sub.id))).id == sub.id
    (read,) = [s for s in statements if "FROM subscription" in s]
    assert "FOR UPDATE" not in read
    for actor, sub_id in ((ORGS["power"], sub.id), (ORGS["office"], uuid4())):
        with pytest.raises(NotFoundError) as hidden:
            await harness.run(lambda s, a=actor, i=sub_id: get_subscription(s, a, i))
        assert hidden.value.detail == f"no subscription {sub_id}"


async def test_a_notice_key_longer_than_an_event_id_is_cut_to_64_characters(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    key = "k" * 70
    await harness.run(lambda s: _add(s, "finance", key))
    (item,) = await harness.all(InboxItem)
    assert item.event_id == "k" * 64


async def test_a_refused_url_is_a_problem_naming_the_field_and_the_guards_reason() -> None:
    with pytest.raises(RuleViolation) as refused:
        await check_endpoint("http://10.0.0.8/hook", policy())
    (problem,) = refused.value.errors
    assert (problem.field, problem.rule) == ("endpoint_url", "private_address")
    assert problem.message and refused.value.detail == f"endpoint_url refused: {problem.message}"


async def test_a_missing_url_problem_carries_an_empty_message() -> None:
    with pytest.raises(RuleViolation) as refused:
        await check_endpoint("", policy())
    assert [(e.field, e.rule, e.message) for e in refused.value.errors] == [
        ("endpoint_url", "required_for_channel", "")
    ]


async def test_an_identical_active_subscription_is_refused_by_the_rule_before_any_insert(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [APPROVED])
    with pytest.raises(Conflict) as refused:
        await subscribe(harness, "finance", [APPROVED])
    assert refused.value.detail == "an identical subscription (same endpoint and event types) already exists"


async def test_the_cap_counts_the_organisations_active_subscriptions(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    await subscribe(harness, "finance", [APPROVED], cap=2)
    await subscribe(harness, "finance", [ACCEPTED], cap=2)
    await subscribe(harness, "power", [ACCEPTED], cap=2)  # another organisation's do not count
    with pytest.raises(RuleViolation):
        await subscribe(harness, "finance", [APPROVED, ACCEPTED], cap=2)


async def test_an_insert_that_collides_with_a_stored_fingerprint_is_a_conflict_naming_the_rule(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    """The database's unique key is the last word (two identical subscriptions created at once):
    here an ended row that kept its fingerprint collides, which the active-only check cannot see."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    first = await subscribe(harness, "finance", [APPROVED])

    async def end_keeping_fingerprint(session) -> None:  # type: ignore[no-untyped-def]
        row = await session.get(Subscription, first.id)
        row.active = False
        session.add(row)

    await harness.run(end_keeping_fingerprint)
    with pytest.raises(Conflict) as refused:
        await subscribe(harness, "finance", [APPROVED])
    assert refused.value.detail == "an identical subscription was created at the same time"
    assert [(e.field, e.rule, e.message) for e in refused.value.errors] == [
        ("endpoint_url", "duplicate_subscription", "subscribe once per endpoint and types")
    ]


async def test_a_new_subscription_is_audited_with_what_it_hears_and_where(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [APPROVED], channel="email", email="Ops@ZZ.gov.cn")
    (entry,) = [e for e in await harness.all(AuditEntry) if e.action == "subscription.created"]
    assert (entry.record_type, entry.record_id) == ("subscription", str(sub.id))
    assert json.loads(entry.after) == {
        "channel": "email",
        "event_types": [APPROVED],
        "endpoint_url": None,
        "email_address": "ops@zz.gov.cn",
        "programme_codes": None,
        "district_codes": None,
        "item_codes": None,
    }


DUPLICATE = "an identical subscription (same endpoint and event types) already exists"


async def test_a_change_to_match_another_active_subscription_is_refused_by_the_rule_filters_and_all(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    url = "https://finance.example.org/hook"
    made = []
    for types in ([APPROVED], [ACCEPTED]):
        body = SubscriptionCreate(event_types=types, endpoint_url=url, programme_codes=[ZHENGZHOU])
        made.append(
            await harness.run(
                lambda s, b=body: create_subscription(s, ORGS["finance"], b, now=DEFAULT_NOW, policy=policy())
            )
        )
    with pytest.raises(Conflict) as refused:
        await _change(harness, "finance", made[1].id, event_types=[APPROVED])
    assert refused.value.detail == DUPLICATE  # the rule, not the database's unique key


async def test_the_inbox_lists_the_newest_first_ties_by_id_and_no_more_than_the_limit(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    smallest, low, high = sorted(uuid4() for _ in range(3))  # the oldest item has the smallest id

    async def add(session) -> None:  # type: ignore[no-untyped-def]
        for item_id, key, minutes in ((high, "tie-high", 5), (smallest, "oldest", 0), (low, "tie-low", 5)):
            session.add(
                InboxItem(
                    id=item_id,
                    org_code="finance",
                    event_id=key,
                    event_type="notification.notice",
                    title="通知",
                    body="正文",
                    created_at=DEFAULT_NOW + timedelta(minutes=minutes),
                )
            )

    await harness.run(add)
    listed = await harness.run(lambda s: list_items(s, ORGS["finance"], unread_only=False, limit=10))
    assert [i.event_id for i in listed] == ["tie-low", "tie-high", "oldest"]
    first_two = await harness.run(lambda s: list_items(s, ORGS["finance"], unread_only=False, limit=2))
    assert [i.event_id for i in first_two] == ["tie-low", "tie-high"]

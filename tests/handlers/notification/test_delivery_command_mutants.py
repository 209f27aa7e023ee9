"""Delivery commands, their edges, on SQLite: replaying a range [since, until) of one subscription's
finished messages, retrying one failed message, reading a delivery and its attempts, and
disabling an endpoint (its pending messages fail with the reason, its owner is told elsewhere).

Delivery rows are stored directly with the states and times a rule turns on; the answers are
the module's contract: RFC 9457 problems naming field and rule, InvalidState with the current
state and nothing allowed, NotFound naming the delivery (never the subscription behind it),
audit entries naming the record, row locks (compiled for PostgreSQL).
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.notification.domain.attempts import AttemptResult
from services.notification.handlers import SUBSCRIPTIONS
from services.notification.handlers.deliveries import (
    LeasedDelivery,
    RetryPolicy,
    _aware,
    disable_if_failing,
    disable_subscription,
    failing_since,
    get_delivery,
    lease_due,
    list_attempts,
    list_deliveries,
    lock_deliveries,
    record_attempt,
    replay,
    retry_delivery,
)
from services.notification.models import Delivery, DeliveryAttempt, DeliveryState, InboxItem, Subscription
from shared.audit import AuditEntry
from shared.errors import InvalidState, NotFoundError, RuleViolation
from tests.handlers.harness import DEFAULT_NOW, ServiceHarness
from tests.handlers.notification.helpers import ACCEPTED, APPROVED, ORGS, subscribe
from tests.support.sql_capture import postgresql_selects

FINANCE = ORGS["finance"]
LATER = DEFAULT_NOW + timedelta(hours=3)


def _delivery(
    subscription: Subscription,
    state: DeliveryState,
    *,
    created: datetime = DEFAULT_NOW,
    event_id: str | None = None,
) -> Delivery:
    done = state is DeliveryState.DELIVERED
    return Delivery(
        subscription_id=subscription.id,
        event_id=event_id or f"e-{uuid.uuid4().hex[:10]}",
        event_type=ACCEPTED,
        content="{}",
        state=state,
        attempts=0 if state is DeliveryState.PENDING else 4,
        last_status=204 if done else 500,
        last_error=None if done else "HTTP 500",
        created_at=created,
        next_attempt_at=created + timedelta(days=1),
        delivered_at=created + timedelta(minutes=1) if done else None,
    )


async def _store(harness: ServiceHarness, *rows: object) -> None:
    async def add(session) -> None:  # type: ignore[no-untyped-def]
        session.add_all(rows)

    await harness.run(add)


async def _rows(harness: ServiceHarness) -> dict[str, Delivery]:
    return {d.event_id: d for d in await harness.all(Delivery)}


async def _end(harness: ServiceHarness, subscription: Subscription, reason: str | None) -> None:
    async def end(session) -> None:  # type: ignore[no-untyped-def]
        row = await session.get(Subscription, subscription.id)
        row.active, row.disabled_reason = False, reason
        session.add(row)

    await harness.run(end)


def _replay(sub_id: uuid.UUID, since: datetime, until: datetime, actor=FINANCE):  # type: ignore[no-untyped-def]
    return lambda s: replay(s, actor, sub_id, since=since, until=until, now=LATER)


@pytest.mark.parametrize("until", [DEFAULT_NOW, DEFAULT_NOW - timedelta(seconds=1)])
async def test_an_empty_or_reversed_replay_range_is_refused_naming_until(
    harness_for, until: datetime
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    with pytest.raises(RuleViolation) as refused:
        await harness.run(_replay(sub.id, DEFAULT_NOW, until))
    assert refused.value.detail == "the replay range is empty"
    assert [(e.field, e.rule, e.message) for e in refused.value.errors] == [
        ("until", "after_since", "until must be after since")
    ]


async def test_a_replay_requeues_the_finished_messages_stored_in_the_range_and_no_others(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    other = await subscribe(harness, "finance", [APPROVED])
    since, until = DEFAULT_NOW, DEFAULT_NOW + timedelta(hours=1)
    await _store(
        harness,
        _delivery(sub, DeliveryState.DELIVERED, created=since - timedelta(seconds=1), event_id="before"),
        _delivery(sub, DeliveryState.DELIVERED, created=since, event_id="at-since"),
        _delivery(sub, DeliveryState.FAILED, created=since + timedelta(minutes=5), event_id="failed"),
        _delivery(sub, DeliveryState.PENDING, created=since + timedelta(minutes=6), event_id="pending"),
        _delivery(sub, DeliveryState.DELIVERED, created=until, event_id="at-until"),
        _delivery(other, DeliveryState.DELIVERED, created=since, event_id="other"),
    )
    assert await harness.run(_replay(sub.id, since, until)) == 2
    rows = await _rows(harness)
    for event_id in ("at-since", "failed"):
        row = rows[event_id]
        assert (row.state, row.attempts, row.next_attempt_at, row.delivered_at) == (
            DeliveryState.PENDING,
            0,
            LATER,
            None,
        )
    for event_id in ("before", "at-until", "other"):
        assert rows[event_id].state is DeliveryState.DELIVERED and rows[event_id].attempts == 4
    assert rows["pending"].next_attempt_at == DEFAULT_NOW + timedelta(minutes=6, days=1)  # left as it was
    (entry,) = [e for e in await harness.all(AuditEntry) if e.action == "subscription.replayed"]
    assert (entry.record_type, entry.record_id) == ("subscription", str(sub.id))
    assert json.loads(entry.after) == {"since": since.isoformat(), "until": until.isoformat(), "requeued": 2}


async def test_a_replay_of_a_disabled_subscription_is_refused_saying_why(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    await _store(harness, _delivery(sub, DeliveryState.FAILED))
    await _end(harness, sub, "endpoint disabled: HTTP 410")
    with pytest.raises(InvalidState) as refused:
        await harness.run(_replay(sub.id, DEFAULT_NOW, LATER))
    assert (refused.value.current, refused.value.allowed) == ("disabled", [])
    assert refused.value.detail == f"subscription {sub.id} is disabled (endpoint disabled: HTTP 410)"
    assert (await harness.all(Delivery))[0].state is DeliveryState.FAILED


async def test_a_replay_locks_the_subscription_and_a_stranger_is_told_it_does_not_exist(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    with pytest.raises(NotFoundError):
        await harness.run(_replay(sub.id, DEFAULT_NOW, LATER, actor=ORGS["erqi"]))
    with postgresql_selects(harness) as statements:
        await harness.run(_replay(sub.id, DEFAULT_NOW, LATER))
    (read,) = [s for s in statements if "FROM subscription" in s]
    assert read.rstrip().endswith("FOR UPDATE")


@pytest.mark.parametrize("state", [DeliveryState.PENDING, DeliveryState.DELIVERED])
async def test_only_a_failed_message_is_retried(harness_for, state: DeliveryState) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    row = _delivery(sub, state)
    await _store(harness, row)
    with pytest.raises(InvalidState) as refused:
        await harness.run(lambda s: retry_delivery(s, FINANCE, row.id, now=LATER))
    assert (refused.value.current, refused.value.allowed) == (str(state), [])
    assert refused.value.detail == f"delivery {row.id} is {state}; only a failed one can be retried"


async def test_a_failed_message_is_retried_with_a_fresh_round_and_audited(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    row = _delivery(sub, DeliveryState.FAILED)
    await _store(harness, row)
    with postgresql_selects(harness) as statements:
        retried = await harness.run(lambda s: retry_delivery(s, FINANCE, row.id, now=LATER))
    assert (retried.state, retried.attempts, retried.next_attempt_at) == (DeliveryState.PENDING, 0, LATER)
    (stored,) = await harness.all(Delivery)
    assert (stored.state, stored.attempts, stored.next_attempt_at) == (DeliveryState.PENDING, 0, LATER)
    (locked,) = [s for s in statements if "FROM delivery" in s]
    assert locked.rstrip().endswith("FOR UPDATE")
    (entry,) = [e for e in await harness.all(AuditEntry) if e.action == "delivery.retried"]
    assert (entry.record_type, entry.record_id) == ("delivery", str(row.id))


async def test_a_failed_message_of_a_disabled_subscription_is_not_retried(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    row = _delivery(sub, DeliveryState.FAILED)
    await _store(harness, row)
    await _end(harness, sub, "unsubscribed")
    with pytest.raises(InvalidState) as refused:
        await harness.run(lambda s: retry_delivery(s, FINANCE, row.id, now=LATER))
    assert (refused.value.current, refused.value.allowed) == ("disabled", [])
    assert refused.value.detail == f"subscription {sub.id} is disabled (unsubscribed)"


async def test_a_delivery_of_another_organisation_or_none_is_not_found_naming_the_delivery(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    row = _delivery(sub, DeliveryState.FAILED)
    await _store(harness, row)
    for actor, delivery_id in ((ORGS["erqi"], row.id), (FINANCE, uuid.uuid4())):
        for read in (get_delivery, list_attempts):
            with pytest.raises(NotFoundError) as hidden:
                await harness.run(lambda s, r=read, a=actor, i=delivery_id: r(s, a, i))
            assert hidden.value.detail == f"no delivery {delivery_id}"
    with postgresql_selects(harness) as statements:
        assert (await harness.run(lambda s: get_delivery(s, ORGS["office"], row.id))).id == row.id
    assert all("FOR UPDATE" not in s for s in statements)


async def test_a_deliverys_attempts_are_listed_in_the_order_they_were_made_and_no_others(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    mine, other = _delivery(sub, DeliveryState.FAILED), _delivery(sub, DeliveryState.FAILED)
    await _store(harness, mine, other)
    lines = ["HTTP 500", "timeout", "HTTP 503"]
    await _store(
        harness,
        *(
            DeliveryAttempt(
                delivery_id=d.id, attempted_at=DEFAULT_NOW - timedelta(minutes=n), status_line=line
            )
            for n, (d, line) in enumerate(
                [(mine, lines[0]), (other, "HTTP 404"), (mine, lines[1]), (mine, lines[2])]
            )
        ),
    )
    with postgresql_selects(harness) as statements:
        attempts = await harness.run(lambda s: list_attempts(s, FINANCE, mine.id))
    assert [a.status_line for a in attempts] == lines  # stored order, not attempt time
    (query,) = [q for q in statements if "FROM delivery_attempt" in q]
    assert query.rstrip().endswith("ORDER BY delivery_attempt.id")


async def test_the_delivery_log_filters_by_subscription_and_state(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED])
    other = await subscribe(harness, "finance", [APPROVED])
    await _store(
        harness,
        _delivery(sub, DeliveryState.FAILED, event_id="sub-failed"),
        _delivery(sub, DeliveryState.DELIVERED, event_id="sub-delivered"),
        _delivery(other, DeliveryState.FAILED, event_id="other-failed"),
    )
    by_sub = await harness.run(lambda s: list_deliveries(s, FINANCE, sub.id))
    assert sorted(d.event_id for d in by_sub) == ["sub-delivered", "sub-failed"]
    failed = await harness.run(lambda s: list_deliveries(s, ORGS["office"], None, DeliveryState.FAILED))
    assert sorted(d.event_id for d in failed) == ["other-failed", "sub-failed"]
    both = await harness.run(lambda s: list_deliveries(s, FINANCE, sub.id, DeliveryState.FAILED))
    assert [d.event_id for d in both] == ["sub-failed"]


async def test_disabling_an_endpoint_fails_its_pending_messages_and_tells_its_owner_elsewhere(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    other_hook = await subscribe(harness, "finance", [APPROVED])
    mail = await subscribe(harness, "finance", [ACCEPTED], channel="email", email="ops@zz.gov.cn")
    await _store(
        harness,
        _delivery(hook, DeliveryState.PENDING, event_id="pending"),
        _delivery(hook, DeliveryState.DELIVERED, event_id="delivered"),
        _delivery(other_hook, DeliveryState.PENDING, event_id="other-pending"),
    )
    disabled = await harness.run(lambda s: disable_subscription(s, hook.id, reason="HTTP 410", now=LATER))
    assert disabled is True
    rows = {s.id: s for s in await harness.all(Subscription)}
    stopped = rows[hook.id]
    assert (stopped.active, stopped.fingerprint, stopped.disabled_at) == (False, None, LATER)
    assert stopped.disabled_reason == "endpoint disabled: HTTP 410"
    deliveries = await _rows(harness)
    assert (deliveries["pending"].state, deliveries["pending"].last_error) == (
        DeliveryState.FAILED,
        "endpoint disabled: HTTP 410",
    )
    assert deliveries["delivered"].state is DeliveryState.DELIVERED
    assert deliveries["other-pending"].state is DeliveryState.PENDING
    notices = [d for d in deliveries.values() if d.event_id == f"disabled:{hook.id}"]
    assert [d.subscription_id for d in notices] == [mail.id]  # its e-mail, not the disabled endpoint
    (item,) = [i for i in await harness.all(InboxItem) if i.event_type == "notification.notice"]
    assert item.org_code == "finance"
    assert f"{hook.endpoint_url}）投递失败（HTTP 410）" in item.body  # the default reason, in Chinese
    again = await harness.run(lambda s: disable_subscription(s, hook.id, reason="HTTP 410", now=LATER))
    assert again is False
    missing = await harness.run(lambda s: disable_subscription(s, uuid.uuid4(), reason="x", now=LATER))
    assert missing is False


async def test_disabling_an_endpoint_locks_its_subscription_on_postgresql(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    with postgresql_selects(harness) as statements:
        await harness.run(lambda s: disable_subscription(s, hook.id, reason="HTTP 410", now=LATER))
    read = [s for s in statements if "FROM subscription" in s and "subscription.id = " in s]
    assert read and read[0].rstrip().endswith("FOR UPDATE")


def _attempt(delivery: Delivery, at: datetime, line: str = "HTTP 500") -> DeliveryAttempt:
    return DeliveryAttempt(delivery_id=delivery.id, attempted_at=at, status_line=line)


async def test_an_endpoint_fails_since_its_first_attempt_after_its_last_success(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    other = await subscribe(harness, "finance", [APPROVED])
    t0 = DEFAULT_NOW - timedelta(days=10)
    ok = _delivery(hook, DeliveryState.DELIVERED, created=t0)
    ok.delivered_at = t0 + timedelta(days=2)
    failing = _delivery(hook, DeliveryState.PENDING, created=t0)
    elsewhere = _delivery(other, DeliveryState.PENDING, created=t0)
    await _store(harness, ok, failing, elsewhere)
    await _store(
        harness,
        _attempt(failing, t0 + timedelta(days=1)),  # before the success: not part of the run
        _attempt(ok, t0 + timedelta(days=2), "HTTP 204"),  # the success itself
        _attempt(failing, t0 + timedelta(days=3)),
        _attempt(failing, t0 + timedelta(days=4)),
        _attempt(elsewhere, t0 + timedelta(hours=1)),  # another endpoint's failures
    )
    since = await harness.run(lambda s: failing_since(s, hook.id))
    assert since == t0 + timedelta(days=3)
    assert await harness.run(lambda s: failing_since(s, other.id)) == t0 + timedelta(hours=1)


async def test_an_endpoint_whose_last_attempt_succeeded_is_not_failing(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    ok = _delivery(hook, DeliveryState.DELIVERED)
    assert ok.delivered_at is not None
    await _store(harness, ok)
    await _store(harness, _attempt(ok, ok.delivered_at, "HTTP 204"))  # recorded at the same instant
    assert await harness.run(lambda s: failing_since(s, hook.id)) is None
    assert await harness.run(lambda s: disable_if_failing(s, hook.id, now=LATER, window_s=60)) is False


async def test_an_endpoint_failing_for_exactly_the_window_is_disabled_and_its_owner_told_how_long(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    failing = _delivery(hook, DeliveryState.PENDING)
    await _store(harness, failing)
    await _store(harness, _attempt(failing, DEFAULT_NOW))
    window = 5 * 86400.0
    just_before = DEFAULT_NOW + timedelta(seconds=window - 1)
    assert (
        await harness.run(lambda s: disable_if_failing(s, hook.id, now=just_before, window_s=window)) is False
    )
    assert (await harness.all(Subscription))[0].active
    boundary = DEFAULT_NOW + timedelta(seconds=window)
    assert await harness.run(lambda s: disable_if_failing(s, hook.id, now=boundary, window_s=window)) is True
    (stopped,) = await harness.all(Subscription)
    assert stopped.disabled_reason == "endpoint disabled: no delivery succeeded for 5 days"
    (item,) = [i for i in await harness.all(InboxItem) if i.event_type == "notification.notice"]
    assert "已连续 5 天投递失败" in item.body


async def test_an_endpoint_never_attempted_is_not_disabled(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    assert await harness.run(lambda s: disable_if_failing(s, hook.id, now=LATER, window_s=1)) is False
    assert (await harness.all(Subscription))[0].active


@pytest.mark.parametrize(
    ("channel", "options", "named"),
    [("email", {"email": "ops@zz.gov.cn"}, "ops@zz.gov.cn"), ("inbox", {}, "inbox")],
)
async def test_the_disabled_notice_names_the_mailbox_or_the_channel(
    harness_for, channel: str, options: dict[str, str], named: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    sub = await subscribe(harness, "finance", [ACCEPTED], channel=channel, **options)
    await harness.run(lambda s: disable_subscription(s, sub.id, reason="bounced", now=LATER))
    (item,) = [i for i in await harness.all(InboxItem) if i.event_type == "notification.notice"]
    assert f"您的订阅 {sub.id}（{named}）投递失败（bounced）" in item.body


def test_a_stored_time_without_a_zone_is_read_as_utc_and_one_with_a_zone_is_kept() -> None:
    naive = datetime(2026, 11, 20, 2, 0)
    assert _aware(naive) == naive.replace(tzinfo=UTC) and _aware(naive).tzinfo is UTC
    shanghai = datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    assert _aware(shanghai) is shanghai


def _leased(row: Delivery) -> LeasedDelivery:
    return LeasedDelivery(row.id, row.subscription_id, row.event_id, b"{}", None, "secret", row.attempts)


POLICY = RetryPolicy((5.0, 300.0), jitter=0.0)


async def test_an_attempt_is_logged_with_its_status_and_latency_and_locks_the_delivery(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    row = _delivery(hook, DeliveryState.PENDING)
    await _store(harness, row)
    result = AttemptResult(503, "HTTP 503", latency_ms=812)
    with postgresql_selects(harness) as statements:
        state = await harness.run(lambda s: record_attempt(s, _leased(row), result, now=LATER, policy=POLICY))
    assert state is DeliveryState.PENDING
    (locked,) = [s for s in statements if "FROM delivery" in s]
    assert locked.rstrip().endswith("FOR UPDATE")
    (attempt,) = await harness.all(DeliveryAttempt)
    assert (attempt.status, attempt.status_line, attempt.latency_ms, attempt.attempted_at) == (
        503,
        "HTTP 503",
        812,
        LATER,
    )
    (stored,) = await harness.all(Delivery)
    assert (stored.attempts, stored.last_status, stored.last_attempt_at) == (1, 503, LATER)
    assert stored.next_attempt_at == LATER + timedelta(seconds=5)


@pytest.mark.parametrize("state", [DeliveryState.DELIVERED, DeliveryState.FAILED])
async def test_an_attempt_on_a_finished_delivery_is_not_logged_and_its_state_stands(
    harness_for, state: DeliveryState
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    row = _delivery(hook, state)
    await _store(harness, row)
    result = AttemptResult(204, "HTTP 204")
    answer = await harness.run(lambda s: record_attempt(s, _leased(row), result, now=LATER, policy=POLICY))
    assert answer is state
    assert await harness.all(DeliveryAttempt) == []
    assert (await harness.all(Delivery))[0].attempts == row.attempts


async def test_an_attempt_on_a_delivery_that_is_gone_answers_failed(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    ghost = _delivery(hook, DeliveryState.PENDING)  # never stored
    answer = await harness.run(
        lambda s: record_attempt(s, _leased(ghost), AttemptResult(204, "HTTP 204"), now=LATER, policy=POLICY)
    )
    assert answer is DeliveryState.FAILED


async def test_the_retry_delay_is_spread_by_the_policys_own_random_source(harness_for) -> None:  # type: ignore[no-untyped-def]
    """With jitter 0.5 the 5 s delay is drawn from [2.5, 7.5] by the policy's seeded source: the
    same seed gives the same delay twice, whatever the process's global random state."""
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    rows = [_delivery(hook, DeliveryState.PENDING), _delivery(hook, DeliveryState.PENDING)]
    await _store(harness, *rows)
    for row in rows:
        policy = RetryPolicy((5.0,), jitter=0.5, rng=random.Random(7))
        random.seed(row.id.int)  # a different global state each time
        await harness.run(
            lambda s, r=row, p=policy: record_attempt(
                s, _leased(r), AttemptResult(500, "HTTP 500"), now=LATER, policy=p
            )
        )
    first, second = (d.next_attempt_at - LATER for d in await harness.all(Delivery))
    assert first == second
    assert timedelta(seconds=2.5) <= first <= timedelta(seconds=7.5)
    assert first == timedelta(seconds=random.Random(7).uniform(-2.5, 2.5) + 5.0)


async def test_locked_deliveries_are_read_in_id_order_without_their_stored_envelope(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    rows = [_delivery(hook, DeliveryState.PENDING) for _ in range(3)]
    await _store(harness, *rows)
    ids = [r.id for r in rows]

    async def lock(session):  # type: ignore[no-untyped-def]
        locked = await lock_deliveries(session, [*ids, ids[0], uuid.uuid4()])
        assert sorted(locked) == sorted(ids)  # a missing id is simply absent
        assert not hasattr(locked[ids[0]], "content")  # the stored envelope is never read back
        return locked

    with postgresql_selects(harness) as statements:
        await harness.run(lock)
    (query,) = [s for s in statements if "FROM delivery" in s]
    assert "ORDER BY delivery.id" in query and query.rstrip().endswith("FOR UPDATE")
    assert await harness.run(lambda s: lock_deliveries(s, [])) == {}


async def test_the_longest_due_is_leased_first_even_when_stored_later(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    stored_first = _delivery(
        hook, DeliveryState.PENDING, created=DEFAULT_NOW - timedelta(hours=2), event_id="a"
    )
    stored_first.next_attempt_at = DEFAULT_NOW - timedelta(seconds=10)
    stored_later = _delivery(
        hook, DeliveryState.PENDING, created=DEFAULT_NOW - timedelta(hours=1), event_id="b"
    )
    stored_later.next_attempt_at = DEFAULT_NOW - timedelta(seconds=60)
    await _store(harness, stored_first, stored_later)
    (leased,) = await harness.run(lambda s: lease_due(s, now=DEFAULT_NOW, lease_s=30, limit=1))
    assert leased.event_id == "b"


async def test_a_zero_second_retry_is_due_at_once(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    row = _delivery(hook, DeliveryState.PENDING)
    await _store(harness, row)
    at_once = RetryPolicy((0.0, 60.0), jitter=0.0)
    state = await harness.run(
        lambda s: record_attempt(s, _leased(row), AttemptResult(500, "HTTP 500"), now=LATER, policy=at_once)
    )
    assert state is DeliveryState.PENDING
    assert (await harness.all(Delivery))[0].next_attempt_at == LATER


async def test_a_gone_endpoint_is_disabled_and_its_owner_told_the_receiver_said_410(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("notification", SUBSCRIPTIONS)
    hook = await subscribe(harness, "finance", [ACCEPTED])
    row = _delivery(hook, DeliveryState.PENDING)
    await _store(harness, row)
    state = await harness.run(
        lambda s: record_attempt(s, _leased(row), AttemptResult(410, "HTTP 410"), now=LATER, policy=POLICY)
    )
    assert state is DeliveryState.FAILED
    (item,) = [i for i in await harness.all(InboxItem) if i.event_type == "notification.notice"]
    assert (
        f"（{hook.endpoint_url}）的接收端答复 HTTP 410 Gone（端点已不存在），系统已停用该端点。" in item.body
    )

"""Delivery commands: lease due deliveries, record an attempt, list, retry and replay.

A delivery is leased (its next attempt pushed past the request's total deadline plus a margin) in
a short transaction before it is sent, so replicas never send the same one at once and no lock is
held over HTTP. Each attempt is recorded in its own transaction, so one slow endpoint never holds
back the others' records.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.notification.domain import notices, retry
from services.notification.domain.attempts import AttemptResult
from services.notification.handlers.notices import tell
from services.notification.handlers.subscriptions import get_subscription, sees_all
from services.notification.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryAttemptPublic,
    DeliveryState,
    Subscription,
)
from shared import audit
from shared.access import Principal
from shared.errors import FieldProblem, InvalidState, NotFoundError, RuleViolation


@dataclass(frozen=True)
class LeasedDelivery:
    """What the sender needs, copied out of the leasing transaction."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: str
    content: bytes
    endpoint_url: str | None
    secret: str
    attempts: int
    channel: str = "webhook"
    email_address: str | None = None
    event_type: str = ""
    previous_secret: str | None = None
    lease_until: datetime | None = None
    """Until when this worker holds it: another may lease it again after that."""


@dataclass(frozen=True)
class RetryPolicy:
    schedule_s: tuple[float, ...]
    jitter: float = 0.2
    rng: random.Random | None = None
    disable_after_s: float | None = None
    """An endpoint with an exhausted message and no success for this long is disabled."""


_DELIVERY = Delivery.__table__  # type: ignore[attr-defined]
_SUBSCRIPTION = Subscription.__table__  # type: ignore[attr-defined]
_ATTEMPT = DeliveryAttempt.__table__  # type: ignore[attr-defined]


async def lease_due(
    session: AsyncSession,
    *,
    now: datetime,
    lease_s: float,
    limit: int,
    in_flight: Mapping[uuid.UUID, int] | None = None,
    per_endpoint: int | None = None,
) -> list[LeasedDelivery]:
    """Take up to `limit` due deliveries of active subscriptions, oldest first, for `lease_s`.

    With `per_endpoint`, no subscription gets more than that many in flight (counting
    `in_flight`, the caller's sends still running): a dead or slow endpoint holds a few of the
    worker's slots at most, and the others keep being sent (Svix/Standard Webhooks practice).

    Candidates are read as plain columns (the worker leases often; ORM rows and each
    subscription's event-type list cost more than the lease itself), and the chosen ones are
    leased and read back by one UPDATE .. RETURNING.
    """
    if limit <= 0:
        return []
    busy = dict(in_flight or {})
    d, s = _DELIVERY.c, _SUBSCRIPTION.c
    query = (
        select(
            d.id,
            d.subscription_id,
            s.endpoint_url,
            s.secret,
            s.channel,
            s.email_address,
            s.previous_secret,
            s.previous_secret_until,
        )
        .join_from(_DELIVERY, _SUBSCRIPTION, s.id == d.subscription_id)
        .where(d.state == DeliveryState.PENDING, d.next_attempt_at <= now, s.active == True)  # noqa: E712
        .order_by(d.next_attempt_at, d.created_at)
        .limit(limit if per_endpoint is None else limit * 2)
        .with_for_update(skip_locked=True, of=_DELIVERY)
    )
    if per_endpoint is not None:
        full = [sid for sid, n in busy.items() if n >= per_endpoint]
        if full:
            query = query.where(d.subscription_id.not_in(full))
    candidates = (await session.exec(query)).all()
    chosen = {}
    for row in candidates:
        if len(chosen) >= limit:
            break
        if per_endpoint is not None and busy.get(row.subscription_id, 0) >= per_endpoint:
            continue  # stays due; its row lock ends with this transaction
        busy[row.subscription_id] = busy.get(row.subscription_id, 0) + 1
        chosen[row.id] = row
    if not chosen:
        return []
    until = now + timedelta(seconds=lease_s)
    leased = {
        row.id: row
        for row in await session.exec(  # type: ignore[call-overload]
            update(_DELIVERY)
            .where(d.id.in_(list(chosen)))
            .values(next_attempt_at=until)
            .returning(d.id, d.event_id, d.content, d.attempts, d.event_type)
        )
    }
    return [
        LeasedDelivery(
            delivery_id,
            sub.subscription_id,
            row.event_id,
            row.content.encode(),
            sub.endpoint_url,
            sub.secret,
            row.attempts,
            sub.channel,
            sub.email_address,
            row.event_type,
            sub.previous_secret
            if sub.previous_secret_until and _aware(sub.previous_secret_until) > now
            else None,
            lease_until=until,
        )
        for delivery_id, sub in chosen.items()
        if (row := leased.get(delivery_id)) is not None
    ]


@dataclass(frozen=True)
class LockedDelivery:
    """A delivery row as recording an attempt needs it (never its stored envelope), locked for the
    transaction."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    state: DeliveryState
    attempts: int


async def lock_deliveries(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, LockedDelivery]:
    """Lock a batch's delivery rows in one round trip (in id order, so two batches never wait on
    each other in opposite orders); a missing id is simply absent from the result."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    d = _DELIVERY.c
    query = (
        select(d.id, d.subscription_id, d.state, d.attempts)
        .where(d.id.in_(wanted))
        .order_by(d.id)
        .with_for_update()
    )
    return {
        row.id: LockedDelivery(row.id, row.subscription_id, DeliveryState(row.state), row.attempts)
        for row in (await session.exec(query)).all()
    }


async def record_attempt(
    session: AsyncSession,
    leased: LeasedDelivery,
    result: AttemptResult,
    *,
    now: datetime,
    policy: RetryPolicy,
) -> DeliveryState:
    """Log one attempt and move its delivery on (`record_attempts` for one)."""
    (state,) = await record_attempts(session, [(leased, result)], now=now, policy=policy)
    return state


async def record_attempts(
    session: AsyncSession,
    batch: Sequence[tuple[LeasedDelivery, AttemptResult]],
    *,
    now: datetime,
    policy: RetryPolicy,
) -> list[DeliveryState]:
    """Log each attempt and move its delivery on: delivered, retried later, or failed for good.

    A refused destination (nothing sent) fails at once; a 410 also disables the subscription and
    fails its other pending deliveries; an endpoint failing for `policy.disable_after_s` is
    disabled. A delivery no longer pending (recorded already, or disabled meanwhile) is left as it
    is and its state returned. The batch's rows are locked in one read and written by one
    INSERT of the attempts and one UPDATE per kind of outcome (the worker records hundreds a
    second; ORM objects per attempt cost more than the statements).
    """
    locked = await lock_deliveries(session, (leased.id for leased, _ in batch))
    attempts: list[dict[str, Any]] = []
    changes: dict[uuid.UUID, dict[str, Any]] = {}
    states: list[DeliveryState] = []
    gone: list[tuple[uuid.UUID, str]] = []
    failing: list[uuid.UUID] = []
    for leased, result in batch:
        row = locked.get(leased.id)
        if row is None or row.state != DeliveryState.PENDING:
            states.append(row.state if row else DeliveryState.FAILED)
            continue
        change = _attempt_change(row, result, now=now, policy=policy)
        attempts.append(
            {
                "delivery_id": row.id,
                "attempted_at": now,
                "status": result.status,
                "status_line": result.status_line,
                "latency_ms": result.latency_ms,
                "sent": result.sent,
                "response_excerpt": result.excerpt,
            }
        )
        changes[row.id] = change
        locked[row.id] = replace(row, state=change["state"])  # the same delivery again is not pending
        states.append(change["state"])
        if retry.disables_endpoint(result.status):
            gone.append((row.subscription_id, result.status_line))
        elif change["state"] != DeliveryState.DELIVERED and policy.disable_after_s is not None:
            failing.append(row.subscription_id)
    if attempts:
        await session.exec(insert(_ATTEMPT), params=attempts)  # type: ignore[call-overload]
        await _write_changes(session, changes)
    for subscription_id, status_line in gone:
        await disable_subscription(
            session,
            subscription_id,
            reason=status_line,
            now=now,
            reason_zh="的接收端答复 HTTP 410 Gone（端点已不存在）",
        )
    window_s = policy.disable_after_s
    for subscription_id in dict.fromkeys(failing) if window_s is not None else ():
        await disable_if_failing(session, subscription_id, now=now, window_s=window_s)
    return states


def _attempt_change(
    row: LockedDelivery, result: AttemptResult, *, now: datetime, policy: RetryPolicy
) -> dict[str, Any]:
    """The columns one attempt sets on its pending delivery (the retry rules are `domain.retry`'s)."""
    attempts = row.attempts + 1
    outcome = result.outcome or (retry.classify(result.status) if result.sent else retry.Outcome.FAILED)
    change: dict[str, Any] = {
        "attempts": attempts,
        "last_status": result.status,
        "last_attempt_at": now,
        "last_error": None if outcome is retry.Outcome.DELIVERED else result.status_line,
    }
    if outcome is retry.Outcome.RETRY:
        delay = retry.next_delay_s(
            attempts,
            policy.schedule_s,
            jitter=policy.jitter,
            rng=policy.rng,
            retry_after_s=result.retry_after_s,
        )
        if delay is None:
            outcome = retry.Outcome.FAILED  # the schedule is exhausted
        else:
            change.update(state=DeliveryState.PENDING, next_attempt_at=now + timedelta(seconds=delay))
    if outcome is retry.Outcome.DELIVERED:
        change.update(state=DeliveryState.DELIVERED, delivered_at=now)
    elif outcome is retry.Outcome.FAILED:
        change.update(state=DeliveryState.FAILED)
    return change


async def _write_changes(session: AsyncSession, changes: Mapping[uuid.UUID, dict[str, Any]]) -> None:
    """One executemany UPDATE per set of columns changed (delivered, retried, failed)."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for delivery_id, change in changes.items():
        shapes.setdefault(tuple(sorted(change)), []).append({"b_id": delivery_id, **change})
    d = _DELIVERY.c
    for columns, rows in shapes.items():
        statement = (
            update(_DELIVERY).where(d.id == bindparam("b_id")).values({c: bindparam(c) for c in columns})
        )
        await session.exec(statement, params=rows)  # type: ignore[call-overload]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def failing_since(session: AsyncSession, subscription_id: uuid.UUID) -> datetime | None:
    """When the endpoint's current run of failures began: its first attempt after its last
    success (None when it has not failed since)."""
    last_success = (
        await session.exec(
            select(func.max(Delivery.delivered_at)).where(Delivery.subscription_id == subscription_id)
        )
    ).one()
    query = (
        select(func.min(DeliveryAttempt.attempted_at))
        .join(Delivery, col(Delivery.id) == col(DeliveryAttempt.delivery_id))
        .where(Delivery.subscription_id == subscription_id)
    )
    if last_success is not None:
        query = query.where(DeliveryAttempt.attempted_at > last_success)
    first = (await session.exec(query)).one()
    return _aware(first) if first is not None else None


async def disable_if_failing(
    session: AsyncSession, subscription_id: uuid.UUID, *, now: datetime, window_s: float
) -> bool:
    """Disable an endpoint whose every attempt has failed for `window_s` (Svix: 5 days), and tell
    its owner by inbox and e-mail; returns whether it was disabled."""
    since = await failing_since(session, subscription_id)
    if since is None or since > now - timedelta(seconds=window_s):
        return False
    days = window_s / 86400
    return await disable_subscription(
        session,
        subscription_id,
        reason=f"no delivery succeeded for {days:g} days",
        now=now,
        reason_zh=f"已连续 {days:g} 天投递失败",
    )


async def disable_subscription(
    session: AsyncSession,
    subscription_id: uuid.UUID,
    *,
    reason: str,
    now: datetime,
    reason_zh: str | None = None,
) -> bool:
    """Stop an endpoint (gone, or failing for days): its pending deliveries fail with the reason,
    and its owner is told in the inbox and on its e-mail subscriptions. Returns whether this call
    disabled it (an endpoint already disabled is left as it is)."""
    subscription = await session.get(Subscription, subscription_id, with_for_update=True)
    if subscription is None or not subscription.active:
        return False
    subscription.active = False
    subscription.fingerprint = None  # an identical subscription may be made again
    subscription.disabled_reason = f"endpoint disabled: {reason}"
    subscription.disabled_at = now
    session.add(subscription)
    await session.exec(
        update(Delivery)
        .where(Delivery.subscription_id == subscription_id, Delivery.state == DeliveryState.PENDING)
        .values(state=DeliveryState.FAILED, last_error=subscription.disabled_reason)
    )
    target = subscription.endpoint_url or subscription.email_address or str(subscription.channel)
    notice = notices.endpoint_disabled(
        str(subscription_id), target, reason_zh or f"投递失败（{reason}）", now=now
    )
    await tell(session, subscription.subscriber_code, notice, now=now, skip=subscription_id)
    return True


async def list_deliveries(
    session: AsyncSession,
    actor: Principal,
    subscription_id: uuid.UUID | None = None,
    state: DeliveryState | None = None,
    *,
    after: int | None = None,
    limit: int | None = None,
) -> list[Delivery]:
    """Deliveries the caller's organisation owns (the office sees all), in the order they were
    stored (`seq`, commit order); `state=failed` lists the exhausted ones. `after` is the `seq` of
    the last row already seen: a row is numbered only when its transaction commits, after every
    lower number is visible (`handlers/commit_order.py`), so a reader following cursors never
    skips one that committed late, nor sees one twice."""
    query = (
        select(Delivery)
        .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
        .where(col(Delivery.seq).is_not(None))
        .order_by(col(Delivery.seq))
    )
    if not sees_all(actor):
        query = query.where(Subscription.subscriber_code == actor.org_code)
    if subscription_id is not None:
        query = query.where(Delivery.subscription_id == subscription_id)
    if state is not None:
        query = query.where(Delivery.state == state)
    if after is not None:
        query = query.where(col(Delivery.seq) > after)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.exec(query)).all())


async def get_delivery(
    session: AsyncSession, actor: Principal, delivery_id: uuid.UUID, *, for_update: bool = False
) -> Delivery:
    delivery = await session.get(Delivery, delivery_id, with_for_update=for_update)
    if delivery is None:
        raise NotFoundError(f"no delivery {delivery_id}")
    try:
        await get_subscription(session, actor, delivery.subscription_id)
    except NotFoundError:
        raise NotFoundError(f"no delivery {delivery_id}") from None
    return delivery


async def list_attempts(
    session: AsyncSession, actor: Principal, delivery_id: uuid.UUID
) -> list[DeliveryAttemptPublic]:
    """A delivery's attempts in order; the answer excerpts only for the subscription's owner (the
    office oversees every delivery but reads no organisation's receiver's words)."""
    delivery = await get_delivery(session, actor, delivery_id)
    subscription = await session.get(Subscription, delivery.subscription_id)
    owner = subscription is not None and subscription.subscriber_code == actor.org_code
    query = (
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id == delivery_id)
        .order_by(col(DeliveryAttempt.id))
    )
    return [
        DeliveryAttemptPublic.model_validate(attempt, update=None if owner else {"response_excerpt": None})
        for attempt in (await session.exec(query)).all()
    ]


def _requeue(delivery: Delivery, now: datetime) -> None:
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.delivered_at = None


async def retry_delivery(
    session: AsyncSession, actor: Principal, delivery_id: uuid.UUID, *, now: datetime
) -> Delivery:
    """Send a failed message again, with a fresh round of attempts.

    Raises:
        InvalidState: when it is still pending or was delivered.
    """
    delivery = await get_delivery(session, actor, delivery_id, for_update=True)
    if delivery.state != DeliveryState.FAILED:
        raise InvalidState(
            f"delivery {delivery_id} is {delivery.state}; only a failed one can be retried",
            current=str(delivery.state),
            allowed=[],
        )
    subscription = await get_subscription(session, actor, delivery.subscription_id)
    if not subscription.active:
        raise InvalidState(
            f"subscription {subscription.id} is disabled ({subscription.disabled_reason})",
            current="disabled",
            allowed=[],
        )
    _requeue(delivery, now)
    session.add(delivery)
    audit.record(session, actor, "delivery.retried", "delivery", delivery.id)
    return delivery


async def replay(
    session: AsyncSession,
    actor: Principal,
    subscription_id: uuid.UUID,
    *,
    since: datetime,
    until: datetime,
    now: datetime,
) -> int:
    """Queue again every message of a subscription stored in [since, until); returns how many.

    Raises:
        RuleViolation: when the range is empty or reversed.
    """
    if until <= since:
        raise RuleViolation(
            "the replay range is empty", [FieldProblem("until", "after_since", "until must be after since")]
        )
    subscription = await get_subscription(session, actor, subscription_id, for_update=True)
    if not subscription.active:
        raise InvalidState(
            f"subscription {subscription.id} is disabled ({subscription.disabled_reason})",
            current="disabled",
            allowed=[],
        )
    rows = (
        await session.exec(
            select(Delivery).where(
                Delivery.subscription_id == subscription_id,
                Delivery.created_at >= since,
                Delivery.created_at < until,
                Delivery.state != DeliveryState.PENDING,
            )
        )
    ).all()
    for delivery in rows:
        _requeue(delivery, now)
        session.add(delivery)
    audit.record(
        session,
        actor,
        "subscription.replayed",
        "subscription",
        subscription_id,
        after={"since": since.isoformat(), "until": until.isoformat(), "requeued": len(rows)},
    )
    return len(rows)

"""The webhook delivery worker: leases due deliveries and sends each in its own task.

Up to `delivery_concurrency` deliveries are in flight (sending or being recorded), and at most
`delivery_concurrency_per_endpoint` requests to one subscription at a time: a slow or dead endpoint occupies
a few slots for at most the request's deadline each and never holds back the others, which keep
being leased and sent. The worker leases a round ahead (`domain/send_queue.py`): a freed slot
starts a waiting delivery at once, and leases are batched, not one per freed slot. Finished
attempts are recorded in group commits (`AttemptRecorder`). A restart resumes pending deliveries
once their lease has run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.notification.channels.email import EmailSender
from services.notification.channels.webhook import WebhookSender
from services.notification.channels.webhook_post import AiohttpPoster, Poster
from services.notification.domain.attempts import AttemptResult
from services.notification.domain.channels import Channel
from services.notification.domain.send_queue import SendQueue
from services.notification.handlers.acknowledgements import escalate_overdue
from services.notification.handlers.deliveries import (
    LeasedDelivery,
    RetryPolicy,
    lease_due,
    record_attempts,
)
from services.notification.models import DeliveryState
from services.notification.settings import NotificationSettings
from shared.observability.metrics import NOTIFICATION_DELIVERY_ATTEMPTS
from shared.web.runtime import Runtime

log = logging.getLogger(__name__)


class Sender(Protocol):
    async def send(self, delivery: LeasedDelivery, now: datetime) -> AttemptResult: ...


def webhook_poster(settings: NotificationSettings) -> AiohttpPoster:
    """The worker's HTTP for webhooks: guarded connections, as many as deliveries in flight."""
    return AiohttpPoster(
        allowlist=settings.outbound_allowlist,
        limit=settings.delivery_concurrency,
        timeout_s=settings.webhook_timeout_s,
    )


def senders_for(runtime: Runtime, poster: Poster) -> dict[str, Sender]:
    """One sender per channel that goes out of the service (the inbox is written at fan-out)."""
    settings: NotificationSettings = runtime.settings  # type: ignore[assignment]
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return {
        Channel.WEBHOOK: WebhookSender(
            poster,
            timeout_s=settings.webhook_timeout_s,
            allowlist=settings.outbound_allowlist,
            require_https=settings.require_https,
            excerpt_chars=settings.delivery_response_excerpt_chars,
        ),
        Channel.EMAIL: EmailSender(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            timeout_s=settings.webhook_timeout_s,
            start_tls=settings.smtp_start_tls,
            username=settings.smtp_username,
            password=password,
        ),
    }


class AttemptRecorder:
    """Records finished attempts in batches (group commit), so a busy worker pays one commit for
    many attempts. One lane at a time gathers a batch: it takes the first attempt waiting, lingers
    `linger_s` for the ones finishing just after it, and commits them in one transaction while the
    next lane gathers the next batch (without the linger, a steady stream of sends gives every
    attempt a transaction of its own). A batch that fails is recorded again one attempt per
    transaction; an attempt that cannot be recorded leaves its lease to run out, so the delivery is
    tried again (at least once, never lost)."""

    def __init__(
        self, runtime: Runtime, policy: RetryPolicy, max_batch: int = 200, linger_s: float = 0.0
    ) -> None:
        self._runtime = runtime
        self._policy = policy
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._queue: asyncio.Queue[tuple[LeasedDelivery, AttemptResult, asyncio.Future[DeliveryState | None]]]
        self._queue = asyncio.Queue()
        self._gathering = asyncio.Lock()

    async def record(self, leased: LeasedDelivery, result: AttemptResult) -> DeliveryState | None:
        """Queue one attempt and wait until it is committed; None when it could not be recorded."""
        done: asyncio.Future[DeliveryState | None] = asyncio.get_running_loop().create_future()
        await self._queue.put((leased, result, done))
        return await done

    async def run(self, lanes: int = 8) -> None:
        """Record batches until cancelled, `lanes` batches at a time (their round trips overlap)."""
        await asyncio.gather(*(self._lane() for _ in range(lanes)))

    async def _lane(self) -> None:
        while True:
            async with self._gathering:
                batch = [await self._queue.get()]
                if self._linger_s > 0 and self._queue.qsize() < self._max_batch - 1:
                    await asyncio.sleep(self._linger_s)
                while len(batch) < self._max_batch and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
            states = await self._record(batch)
            for (leased, result, done), state in zip(batch, states, strict=True):
                count_attempt(leased, result, state)
                if not done.done():
                    done.set_result(state)

    async def _record(self, batch: list[Any]) -> list[DeliveryState | None]:
        try:
            async with self._runtime.unit_of_work() as session:
                now = self._runtime.clock.now()
                pairs = [(leased, result) for leased, result, _ in batch]
                return list(await record_attempts(session, pairs, now=now, policy=self._policy))
        except Exception:
            if len(batch) == 1:
                log.exception("could not record an attempt of delivery %s", batch[0][0].id)
                return [None]
        return [(await self._record([one]))[0] for one in batch]


def count_attempt(leased: LeasedDelivery, result: AttemptResult, state: DeliveryState | None) -> None:
    """Count one finished attempt in `notification_delivery_attempts_total`, once its record is
    committed (so a batch replayed one attempt at a time is not counted twice): refused when
    nothing was sent, unrecorded when the record failed (the lease runs out and it is sent again),
    else the delivery's state after it: delivered, retry (still pending) or failed."""
    if state is None:
        outcome = "unrecorded"
    elif not result.sent:
        outcome = "refused"
    elif state == DeliveryState.PENDING:
        outcome = "retry"
    else:
        outcome = str(state)
    NOTIFICATION_DELIVERY_ATTEMPTS.labels(leased.channel, outcome).inc()


async def deliver_one(
    runtime: Runtime,
    senders: dict[str, Sender],
    leased: LeasedDelivery,
    recorder: AttemptRecorder,
    sent: Callable[[], None] = lambda: None,
) -> None:
    """Send one delivery, say it is `sent` (the endpoint's request is over), and have its attempt
    recorded."""
    sender = senders.get(leased.channel)
    try:
        if sender is None:
            result = AttemptResult(None, f"no sender for channel {leased.channel}", sent=False)
        else:
            result = await sender.send(leased, runtime.clock.now())
    finally:
        sent()
    state = await recorder.record(leased, result)
    if state == DeliveryState.FAILED:
        log.warning("delivery %s failed for good: %s", leased.id, result.status_line)


async def lease_into_room(runtime: Runtime, queue: SendQueue[LeasedDelivery]) -> list[LeasedDelivery]:
    """Lease as many due deliveries as `queue` has room for, no endpoint past its hold (in flight
    and waiting), in one short transaction."""
    settings: NotificationSettings = runtime.settings  # type: ignore[assignment]
    async with runtime.unit_of_work() as session:
        return await lease_due(
            session,
            now=runtime.clock.now(),
            lease_s=settings.delivery_lease_s,
            limit=queue.room,
            in_flight=queue.holding(),
            per_endpoint=queue.hold_per_endpoint,
        )


async def run_delivery_worker(runtime: Runtime, poster: Poster | None = None) -> None:
    """Deliver due webhooks until cancelled: lease in batches, one round ahead per endpoint
    (`SendQueue`), and start each waiting delivery as soon as its endpoint has a free slot.

    Webhooks go through `poster` (handler tests pass a fake), else the worker's own guarded
    aiohttp session, closed when the worker stops."""
    settings: NotificationSettings = runtime.settings  # type: ignore[assignment]
    own_poster = poster is None
    poster = poster or webhook_poster(settings)
    senders = senders_for(runtime, poster)
    policy = RetryPolicy(
        settings.retry_schedule_s, settings.retry_jitter, disable_after_s=settings.endpoint_disable_after_s
    )
    recorder = AttemptRecorder(runtime, policy, linger_s=settings.delivery_record_linger_s)
    recording = asyncio.create_task(recorder.run())
    queue: SendQueue[LeasedDelivery] = SendQueue(
        settings.delivery_concurrency,
        settings.delivery_concurrency_per_endpoint,
        # a waiting one may still start when half of the lease's margin is gone
        min_lease_left=timedelta(seconds=settings.webhook_timeout_s + settings.delivery_lease_margin_s / 2),
    )
    in_flight: set[asyncio.Task[None]] = set()
    slot_freed = asyncio.Event()
    loop = asyncio.get_running_loop()
    last_lease = -math.inf
    next_poll = loop.time()  # lease at once
    freed = True

    def done(subscription_id: uuid.UUID) -> None:
        queue.finished(subscription_id)
        slot_freed.set()  # the endpoint's request is over: start its next one at once

    def start(deliveries: list[LeasedDelivery]) -> None:
        for delivery in deliveries:
            on_sent = functools.partial(done, delivery.subscription_id)
            task = asyncio.create_task(deliver_one(runtime, senders, delivery, recorder, on_sent))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            task.add_done_callback(lambda _: slot_freed.set())  # its record is in: a task slot is free

    try:
        while True:
            # sends and the records still being written count against the overall limit
            start(queue.take(runtime.clock.now(), limit=settings.delivery_concurrency - len(in_flight)))
            now_t = loop.time()
            wait_s = max(0.0, next_poll - now_t) if queue.room > 0 else settings.delivery_poll_interval_s
            if queue.room > 0 and (freed or now_t >= next_poll):
                gather_s = last_lease + settings.delivery_lease_interval_s - now_t
                if queue.waiting and gather_s > 0:
                    wait_s = gather_s  # sends are still queued: let more slots free into one lease
                else:
                    limit = queue.room
                    leased = await lease_into_room(runtime, queue)
                    last_lease = loop.time()
                    next_poll = last_lease + settings.delivery_poll_interval_s
                    freed = len(leased) == limit  # all it asked for: more may be due at once
                    queue.add(leased)
                    if leased:
                        continue  # start them
                    wait_s = settings.delivery_poll_interval_s
            # asyncio.timeout, not wait_for: 3.11's wait_for returns the event's result when the
            # task is cancelled just as the event is set, losing the cancellation (a worker that
            # never stops, a shutdown that hangs).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    await slot_freed.wait()
            if slot_freed.is_set():
                freed = True  # a slot is free: lease for it (batched with others that free meanwhile)
                slot_freed.clear()
    finally:
        for task in list(in_flight):
            task.cancel()
        recording.cancel()
        # let cancelled sends and records return their connections before the worker is gone
        await asyncio.gather(*in_flight, recording, return_exceptions=True)
        if own_poster:
            await poster.aclose()


async def sweep_acknowledgements_once(runtime: Runtime) -> int:
    """Escalate what is overdue now, in batches, each in its own transaction; returns how many."""
    total = 0
    while True:
        async with runtime.unit_of_work() as session:
            escalated = await escalate_overdue(session, now=runtime.clock.now())
        total += escalated
        if escalated == 0:
            return total


async def run_acknowledgement_sweeper(runtime: Runtime) -> None:
    """Escalate overdue acknowledgements to the office until cancelled, on the runtime's clock."""
    settings: NotificationSettings = runtime.settings  # type: ignore[assignment]
    while True:
        try:
            escalated = await sweep_acknowledgements_once(runtime)
            if escalated:
                log.info("escalated %d overdue acknowledgement(s) to the office", escalated)
        except Exception:
            log.exception("the acknowledgement sweep failed; trying again next interval")
        await asyncio.sleep(settings.acknowledgement_sweep_interval_s)

"""The outbox relay: publishes pending outbox rows to Kafka and marks them published.

It wakes when a transaction that staged events commits, and polls as a fallback (rows left by a
crash, rows whose publish failed and are due again). Several replicas may run: on PostgreSQL
`FOR UPDATE SKIP LOCKED` gives each its own rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy import Integer, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bus.outbox import PENDING, PUBLISHED, OutboxMessage
from shared.clock import utcnow
from shared.contracts.envelope import CONTENT_TYPE
from shared.observability.metrics import EVENTS_PRODUCED, OUTBOX_BACKLOG, OUTBOX_PUBLISH_FAILURES

log = logging.getLogger(__name__)
HEADERS = [("content-type", CONTENT_TYPE.encode())]
_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
# PostgreSQL: the batch's ids as one array parameter rather than an `IN (...)` list of 500.
_MARK_PUBLISHED_PG = update(_TABLE).where(_TABLE.c.id == any_(bindparam("ids", type_=ARRAY(Integer))))


@dataclass
class _Batch:
    """Rows locked in an open transaction and handed to the producer, acks not yet awaited."""

    session: AsyncSession
    rows: list  # type: ignore[type-arg]
    futures: list[asyncio.Future | BaseException]  # type: ignore[type-arg]

    async def abandon(self) -> None:
        """End the transaction (rolled back unless already committed); rows not marked published
        stay pending and are sent again later."""
        await asyncio.shield(self.session.close())


async def _discard(sending: asyncio.Future[_Batch | None]) -> None:
    """Give up a batch being locked and sent: cancel it, or end its transaction if it got that far."""
    if not sending.done():
        sending.cancel()
    try:
        batch = await asyncio.shield(sending)
    except BaseException:
        return
    if batch is not None:
        await batch.abandon()


class OutboxRelay:
    """Moves outbox rows to Kafka: at least once, in row order per key, never dropping a row."""

    def __init__(
        self,
        *,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        topic_name: Callable[[str], str],
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        max_backoff_s: float = 30.0,
    ) -> None:
        self._service = service
        self._sessions = sessions
        self._producer = producer
        self._topic_name = topic_name
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._max_backoff_s = max_backoff_s
        self._wake = asyncio.Event()
        self._last_backlog_check = 0.0

    def wake(self) -> None:
        """Ask the relay to look for rows now (called after a commit that staged events)."""
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled; errors are logged and retried, never fatal.

        Two batches overlap: while one batch's acks are awaited and its rows marked, the next is
        locked and sent on a second connection (SKIP LOCKED passes over the rows still in flight).
        Each batch has its own transaction, and its rows are marked published only after their
        acks, so whatever a crash or an error interrupts is still pending and is sent again.
        Batches are handed to the one producer in row order, so a key's rows reach its partition
        in order, as without the overlap.
        """
        in_flight: _Batch | None = None
        try:
            while True:
                self._wake.clear()
                confirming, in_flight = in_flight, None
                published, failed = 0, False
                if confirming is not None and not self._can_overlap():
                    # without SKIP LOCKED (SQLite) the next batch would read the same rows: wait
                    try:
                        published = await self._confirm(confirming)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        log.exception("outbox relay could not confirm a batch; retrying")
                        failed = True
                    confirming = None
                sending = asyncio.ensure_future(self._lock_and_send())
                if confirming is not None:
                    try:
                        published = await self._confirm(confirming)
                    except asyncio.CancelledError:
                        await _discard(sending)
                        raise
                    except Exception:
                        log.exception("outbox relay could not confirm a batch; retrying")
                        failed = True
                try:
                    in_flight = await sending
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox relay could not lock or send a batch; retrying")
                    failed = True
                try:
                    await self._refresh_backlog()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("outbox backlog check failed")
                if failed:
                    await asyncio.sleep(self._poll_interval_s)
                elif in_flight is None and published < self._batch_size:
                    await self._wait_for_work()
        finally:
            if in_flight is not None:
                await in_flight.abandon()

    def _can_overlap(self) -> bool:
        """Overlapping batches needs FOR UPDATE SKIP LOCKED, which only PostgreSQL has here."""
        bind = self._sessions.kw.get("bind")
        return bind is not None and bind.dialect.name == "postgresql"

    async def publish_batch(self) -> int:
        """Publish one batch of due rows and wait for it; returns how many were published."""
        batch = await self._lock_and_send()
        return 0 if batch is None else await self._confirm(batch)

    async def _lock_and_send(self) -> _Batch | None:
        """Open a transaction, lock the next due rows and hand them to the producer (no waiting
        for acks); None when nothing is due."""
        now = utcnow()
        table = _TABLE
        session = self._sessions()
        try:
            await session.begin()
            # Lock the batch's ids first, then read the rows: sorting only the ids of the due rows
            # keeps a large backlog from being sorted with its content (which spills to disk).
            locked = table.alias("due")
            due = (
                select(locked.c.id)
                .where(locked.c.state == PENDING, locked.c.next_attempt_at <= now)
                .order_by(locked.c.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = (
                await session.exec(
                    select(
                        table.c.id,
                        table.c.topic,
                        table.c.partition_key,
                        table.c.content,
                        table.c.event_type,
                        table.c.attempts,
                    )
                    .where(table.c.id.in_(due.scalar_subquery()))
                    .order_by(table.c.id)
                )
            ).all()
            if not rows:
                await session.close()
                return None
            return _Batch(session, rows, await self._send_all(rows))
        except BaseException:
            await asyncio.shield(session.close())
            raise

    async def _confirm(self, batch: _Batch) -> int:
        """Wait for a batch's acks, mark what was acknowledged, back off what failed, commit."""
        try:
            rows, session = batch.rows, batch.session
            results = await self._await_acks(batch.futures)
            sent_ids = [row.id for row, error in zip(rows, results, strict=True) if error is None]
            if sent_ids:
                await self._mark_published(session, sent_ids)
            for row, error in zip(rows, results, strict=True):
                if error is not None:
                    await self._record_failure(session, row.id, row.attempts, error)
            await session.commit()
        finally:
            await batch.abandon()
        produced = Counter(row.event_type for row, error in zip(rows, results, strict=True) if error is None)
        for event_type, count in produced.items():
            EVENTS_PRODUCED.labels(self._service, event_type).inc(count)
        return len(sent_ids)

    async def _mark_published(self, session: AsyncSession, ids: list[int]) -> None:
        """One UPDATE for the batch, in the transaction that holds the rows' locks."""
        values = {"state": PUBLISHED, "published_at": utcnow()}
        if session.get_bind().dialect.name == "postgresql":
            await session.exec(_MARK_PUBLISHED_PG.values(**values), params={"ids": ids})
        else:
            await session.exec(update(_TABLE).where(_TABLE.c.id.in_(ids)).values(**values))

    async def _send_all(self, rows: list) -> list[asyncio.Future | BaseException]:  # type: ignore[type-arg]
        """Enqueue every row on the producer, in row order; a row that cannot be enqueued gets
        its exception in place of a future."""
        futures: list[asyncio.Future | BaseException] = []  # type: ignore[type-arg]
        for row in rows:
            try:
                futures.append(
                    await self._producer.send(
                        self._topic_name(row.topic),
                        value=row.content.encode(),
                        key=row.partition_key.encode(),
                        headers=HEADERS,
                    )
                )
            except Exception as exc:  # metadata timeout, broker unreachable, buffer closed
                futures.append(exc)
        return futures

    @staticmethod
    async def _await_acks(futures: list[asyncio.Future | BaseException]) -> list[BaseException | None]:  # type: ignore[type-arg]
        results: list[BaseException | None] = []
        for fut in futures:
            if isinstance(fut, BaseException):
                results.append(fut)
                continue
            try:
                await fut
                results.append(None)
            except Exception as exc:
                results.append(exc)
        return results

    async def _record_failure(
        self, session: AsyncSession, row_id: int, attempts: int, error: BaseException
    ) -> None:
        backoff = min(self._max_backoff_s, 0.5 * 2**attempts)
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        await session.exec(
            update(table)
            .where(table.c.id == row_id)
            .values(
                attempts=attempts + 1,
                last_error=f"{type(error).__name__}: {error}"[:2000],
                next_attempt_at=utcnow() + timedelta(seconds=backoff),
            )
        )
        OUTBOX_PUBLISH_FAILURES.labels(self._service).inc()
        log.warning("outbox row %s not published (attempt %s): %r", row_id, attempts + 1, error)

    async def _refresh_backlog(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_backlog_check < 2.0:
            return
        self._last_backlog_check = loop_time
        async with self._sessions() as session:
            table = OutboxMessage.__table__  # type: ignore[attr-defined]
            count = (
                await session.exec(select(func.count()).select_from(table).where(table.c.state == PENDING))
            ).scalar_one()
        OUTBOX_BACKLOG.labels(self._service).set(count)

    async def _wait_for_work(self) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval_s)
        except TimeoutError:
            pass

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
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy import Integer, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bus.outbox import PENDING, PUBLISHED, OutboxMessage
from shared.clock import utcnow
from shared.contracts.envelope import CONTENT_TYPE
from shared.observability import EVENTS_PRODUCED, OUTBOX_BACKLOG, OUTBOX_PUBLISH_FAILURES

log = logging.getLogger(__name__)
HEADERS = [("content-type", CONTENT_TYPE.encode())]
_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
# PostgreSQL: the batch's ids as one array parameter rather than an `IN (...)` list of 500.
_MARK_PUBLISHED_PG = update(_TABLE).where(_TABLE.c.id == any_(bindparam("ids", type_=ARRAY(Integer))))


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
        """Publish until cancelled; errors are logged and retried, never fatal."""
        while True:
            self._wake.clear()
            try:
                published = await self.publish_batch()
                await self._refresh_backlog()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay iteration failed; retrying")
                published = 0
                await asyncio.sleep(self._poll_interval_s)
            if published < self._batch_size:
                await self._wait_for_work()

    async def publish_batch(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        now = utcnow()
        table = _TABLE
        async with self._sessions() as session, session.begin():
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
                return 0
            results = await self._send_all(rows)
            sent_ids = [row.id for row, error in zip(rows, results, strict=True) if error is None]
            if sent_ids:
                await self._mark_published(session, sent_ids)
            for row, error in zip(rows, results, strict=True):
                if error is not None:
                    await self._record_failure(session, row.id, row.attempts, error)
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

    async def _send_all(self, rows: list) -> list[BaseException | None]:  # type: ignore[type-arg]
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

"""The outbox relay: publishes pending outbox rows to Kafka and deletes them once acknowledged.

How a batch goes out, so that nothing is lost, nothing waits in an open transaction and one
aggregate's events keep their order:

1. **Lease** (one short read): pick due rows in id order, skip every key that still has a row in
   flight or an earlier row backing off, and note the picked rows in the relay's memory (`_Leases`)
   so the next lease leaves them out. Nothing is written: only the active relay leases (below),
   and a crash loses only its memory, the rows still pending for the relay that takes over.
2. **Send** outside any transaction: rows are handed to the idempotent producer in id order, one
   record batch per partition (`shared.bus.record_batches`); once a key's row cannot be
   enqueued, that key's later rows stay behind, and once a batch cannot be, every later row does.
3. **Confirm** (second short transaction): acks are awaited for at most `ack_timeout_s`; acked rows
   are deleted (Kafka keeps them), failed ones backed off, and rows that cannot ever be published (a
   non-retriable broker error, or `max_attempts` reached) are *parked* for an operator
   (`redrive_parked`), with a metric and a log line.

While one batch's acks are awaited and its outcome recorded, the next is leased and sent, on a
second connection at the same time (two in flight: Python sends while PostgreSQL records); a
key with a row in flight is held back from the next lease. After a failure the relay stops
overlapping until a batch goes through cleanly. One relay per service is active at a time (on
PostgreSQL a session advisory lock, on a SQLite file a lock on a file beside it); the others
stand by. A replica that takes over sends again what the previous one had in flight: copies,
which consumers drop, and in order per key, since each copy follows the original it repeats.

Why a relay at all: a service cannot commit to its database and to Kafka atomically, so it
commits the event as a row and this loop delivers it, at least once (consumers drop the copies
by event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

from aiokafka import AIOKafkaProducer
from opentelemetry.trace import Span, SpanKind
from sqlalchemy import (
    ColumnElement,
    Delete,
    Integer,
    Select,
    String,
    Update,
    and_,
    bindparam,
    cast,
    delete,
    func,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bus.outbox import PARKED, PENDING, OutboxMessage, in_state
from shared.bus.producer import SIZE_REFUSALS, RenewableProducer, needs_new_producer
from shared.bus.record_batches import Outcome, OutgoingRecord, send_records
from shared.bus.relay_file_lock import relay_lock_file, try_lock
from shared.clock import utcnow
from shared.contracts.envelope import CONTENT_TYPE
from shared.db.types import UtcDateTime
from shared.observability import tracing
from shared.observability.metrics import (
    EVENTS_PRODUCED,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_PENDING_AGE,
    OUTBOX_PARKED,
    OUTBOX_PARKED_ROWS,
    OUTBOX_PUBLISH_FAILURES,
)

__all__ = ["OutboxRelay", "relay_lock_key"]

log = logging.getLogger(__name__)
HEADERS = [("content-type", CONTENT_TYPE.encode())]
"""The headers of every published record (structured-mode CloudEvents)."""
_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
# PostgreSQL: the batch's ids as one array literal ('{3,5,8}') rather than an `IN (...)` list of
# 2000; psycopg would dump a list of ints element by element in Python. The array is unnested
# into a set the planner joins on: `id = ANY(<array>)` left it to filter each row it scanned
# against the whole array, and on a young outbox (no statistics yet) it scanned the table, 5,000
# rows × 2,000 ids: 300-450 ms per confirmation.
_BY_IDS_PG = _TABLE.c.id.in_(select(func.unnest(cast(bindparam("ids", type_=String), ARRAY(Integer)))))
_BY_IDS = _TABLE.c.id.in_(bindparam("ids", expanding=True))
_NOW = bindparam("p_now", type_=UtcDateTime())
# The statements every batch runs are built once (building and hashing them cost about 0.5 ms a
# batch); the batch's instant and ids are bound.

LEASED_RANGES = 2
"""How many id ranges a lease leaves out: the relay's batches in flight when it leases (one being
confirmed, one being sent); more are merged into the last range (`_Leases.ranges`)."""


def _in_leased_range(i: int) -> ColumnElement[bool]:
    """The row's id lies in the `i`th leased range (bound as ``p_lo<i>`` / ``p_hi<i>``)."""
    return _TABLE.c.id.between(bindparam(f"p_lo{i}"), bindparam(f"p_hi{i}"))


# A key is blocked while an earlier row of it is pending and will not go out in this lease: it is
# backing off (not due), or it lies inside a leased range without being leased (held back behind
# its key, or committed after that lease read the table), so it goes out only once that batch is
# settled. A later row of the key must wait for it. (Rows leased in flight have their keys left out
# anyway, `_Leases.keys`, and a range whose every id was leased is not asked about: no other row
# can lie in it.) An earlier row has a lower id, so only ids below the batch's last one are asked
# about: a short range of `ix_outbox_pending_id`, however long the backlog behind it.
_BLOCKED_KEYS = (
    select(_TABLE.c.partition_key)
    .where(
        in_state(_TABLE, PENDING),
        _TABLE.c.id < bindparam("p_below"),
        or_(_TABLE.c.next_attempt_at > _NOW, *(_in_leased_range(i) for i in range(LEASED_RANGES))),
    )
    .distinct()
)


FIRST_LEASE_ROWS = 250
"""The rows the running relay leases first after finding the outbox drained; each full lease
doubles the next, up to `batch_size`. Why: a burst (an import commits 20,000 events at once) went
out in leases of 2,000 from the start, and its first record reached Kafka ~45 ms after the lease
began (reading, building and handing over 2,000 rows) while every consumer waited. A small first
lease gets the burst's head out in a few milliseconds; the doubling reaches full batches within
three leases."""


@functools.cache
def _due_rows(batch_size: int) -> Select[Any]:
    """The lowest due rows outside the leased id ranges (bound as ``p_lo<i>`` / ``p_hi<i>``): the
    pending ids come in order from `ix_outbox_pending_id`, each row's ``next_attempt_at`` checked.
    No row lock is taken: only the active relay leases, and it remembers what it leased."""
    outside = and_(*(not_(_in_leased_range(i)) for i in range(LEASED_RANGES)))
    return (
        select(
            _TABLE.c.id,
            _TABLE.c.topic,
            _TABLE.c.partition_key,
            _TABLE.c.content,
            _TABLE.c.event_type,
            _TABLE.c.attempts,
        )
        .where(in_state(_TABLE, PENDING), _TABLE.c.next_attempt_at <= _NOW, outside)
        .order_by(_TABLE.c.id)
        .limit(batch_size)
    )


# PostgreSQL, for the lease's transaction only: read the pending rows in id order from
# `ix_outbox_pending_id` and stop at the batch's end. A busy outbox churns faster than its
# statistics follow, and with an estimate of a few due rows the planner chose a bitmap scan of
# every pending row and a sort, per lease: 19 ms for 500 rows with 8,000 pending, against 2 ms.
_INDEX_ORDER_ONLY = text(
    "SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)"
)


@functools.cache
def _update_by_ids(postgresql: bool, columns: tuple[str, ...]) -> Update:
    """UPDATE `columns` (bound as ``p_<column>``) of the rows whose ids are bound as ``ids``."""
    values = {name: bindparam(f"p_{name}", type_=_TABLE.c[name].type) for name in columns}
    return update(_TABLE).where(_BY_IDS_PG if postgresql else _BY_IDS).values(values)


@functools.cache
def _delete_by_ids(postgresql: bool) -> Delete:
    """DELETE the rows whose ids are bound as ``ids``."""
    return delete(_TABLE).where(_BY_IDS_PG if postgresql else _BY_IDS)


class _Range(NamedTuple):
    lo: int
    hi: int


_NO_RANGE = _Range(0, -1)
"""An empty range (ids start at 1), binding an unused ``p_lo<i>`` / ``p_hi<i>`` pair."""


class _Leases:
    """The batches the active relay has leased and not yet settled, held in its memory.

    Why memory and not a column: only one relay per service leases (the advisory lock), so a
    lease written into each row bought nothing but a second version of every row (on PostgreSQL,
    a third of the relay's database time). A lease leaves out the ids from each leased batch's
    lowest to its highest, and every key a leased row carries. A pending row inside such a range
    that was not leased (its key was held back, or it committed late) waits until that batch is
    settled: one batch later; meanwhile its key's later rows are held back (`_BLOCKED_KEYS`).
    """

    def __init__(self) -> None:
        # first id → (the batch's id range, its keys, whether it leased every id in its range)
        self._batches: dict[int, tuple[_Range, frozenset[str], bool]] = {}

    def add(self, rows: list[Any]) -> None:
        """Note a leased batch (rows in id order)."""
        if rows:
            keys = frozenset(row.partition_key for row in rows)
            whole = rows[-1].id - rows[0].id + 1 == len(rows)
            self._batches[rows[0].id] = (_Range(rows[0].id, rows[-1].id), keys, whole)

    def release(self, rows: list[Any]) -> None:
        """Forget a batch: its rows were deleted, backed off, or are to be sent again."""
        if rows:
            self._batches.pop(rows[0].id, None)

    def keys(self) -> set[str]:
        """Every key with a leased row."""
        return set().union(*(keys for _, keys, _ in self._batches.values()))

    def ranges(self, *, with_gaps_only: bool = False) -> dict[str, int]:
        """The leased id ranges as the due query's parameters, `LEASED_RANGES` of them: the
        lowest ranges as they are, the rest merged into one (which may leave out more).

        Args:
            with_gaps_only: leave out (bind empty) a range whose ids were all leased: no other
                row can lie in it, so the blocked-keys query need not read its rows' keys.
        """
        ranges = sorted((r, whole) for r, _, whole in self._batches.values())
        if len(ranges) > LEASED_RANGES:
            rest = ranges[LEASED_RANGES - 1 :]
            merged = _Range(rest[0][0].lo, max(r.hi for r, _ in rest))
            ranges = [*ranges[: LEASED_RANGES - 1], (merged, False)]  # the gaps between batches
        if with_gaps_only:
            ranges = [(r, whole) for r, whole in ranges if not whole]
        ranges += [(_NO_RANGE, True)] * (LEASED_RANGES - len(ranges))
        params: dict[str, int] = {}
        for i, ((lo, hi), _) in enumerate(ranges):
            params[f"p_lo{i}"], params[f"p_hi{i}"] = lo, hi
        return params


@dataclass
class _Batch:
    """Leased rows handed to the producer; acks not yet awaited."""

    rows: list[Any]
    futures: list[Outcome]
    """Per row: its ack future (shared by its record batch), the enqueue error, or None when held
    back (an earlier failure of its key, or of any batch)."""
    generation: int = 0
    """The producer generation the rows were handed to (see `RenewableProducer.renew`)."""
    spans: list[Span | None] | None = None
    """Per row: its publish span, a child of the row's `traceparent` (None while tracing is off)."""


def relay_lock_key(service: str) -> int:
    """The PostgreSQL advisory-lock key that makes one relay per service active.

    Args:
        service: the service's name.

    Returns:
        A signed 64-bit int derived from the name (SHA-256), the same in every replica and
        release, so replicas of one service compete for one lock and services never share one.
    """
    digest = hashlib.sha256(f"outbox-relay:{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class OutboxRelay:
    """Moves outbox rows to Kafka: at least once, in row order per key, never dropping a row.

    Args:
        service: the service's name (metrics, logs, the advisory lock).
        sessions: the service's session factory.
        producer: a started idempotent producer; a `RenewableProducer` is replaced when its
            idempotence state is lost (after a broker restart), a bare one is not.
        topic_name: maps a base topic name to the deployment's (prefix).
        batch_size: rows per batch (at most; `run` starts a burst with `first_lease_rows`).
        first_lease_rows: the first lease's rows after the outbox was found drained (then doubled
            with each full lease, up to `batch_size`).
        poll_interval_s: how often to look for rows when not woken.
        max_backoff_s: the longest wait before a failed row is tried again.
        ack_timeout_s: the longest wait for a batch's acks.
        max_attempts: failed publishes before a row is parked.
    """

    def __init__(
        self,
        *,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer | RenewableProducer,
        topic_name: Callable[[str], str],
        batch_size: int = 2000,
        poll_interval_s: float = 0.5,
        max_backoff_s: float = 30.0,
        ack_timeout_s: float = 30.0,
        max_attempts: int = 50,
        first_lease_rows: int = FIRST_LEASE_ROWS,
    ) -> None:
        self._service = service
        self._sessions = sessions
        self._producer = producer
        self._topic_name = topic_name
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._max_backoff_s = max_backoff_s
        self._leases = _Leases()
        self._ack_timeout_s = ack_timeout_s
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._last_backlog_check = 0.0
        self._first_lease_rows = max(1, min(first_lease_rows, batch_size))

    def wake(self) -> None:
        """Ask the relay to look for rows now (called after a commit that added events)."""
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled; errors are logged and retried, never fatal.

        On PostgreSQL it first waits for the service's advisory lock (standing by while another
        replica holds it).

        Raises:
            asyncio.CancelledError: on shutdown.
            sqlalchemy.exc.DBAPIError: the lock's connection was lost; the supervisor restarts
                the relay, which then competes for the lock again.
        """
        async with self._leadership() as still_leader:
            in_flight: _Batch | None = None
            ahead: asyncio.Task[tuple[list[Any], bool]] | None = None
            overlap = True
            size = self._first_lease_rows  # of the lease whose rows are awaited next
            try:
                while True:
                    await still_leader()
                    published, failed = 0, False
                    if in_flight is not None and not overlap:
                        published, failed = await self._confirm_logged(in_flight)
                        in_flight = None
                    rows, lease_failed = await (ahead if ahead is not None else self._lease_logged(size))
                    ahead = None
                    size = self._next_lease_rows(size, len(rows))
                    if rows and overlap and not lease_failed:
                        # The next lease runs while these rows are sent and the previous batch
                        # is confirmed: it leaves out their keys, since their rows are leased.
                        ahead = asyncio.create_task(self._lease_logged(size))
                    sending = self._send_logged(rows)
                    if in_flight is None:
                        leased, send_failed = await sending
                    else:
                        # The previous batch's acks and its marking run while this one is handed
                        # over: Python sends while PostgreSQL records, on another connection.
                        (leased, send_failed), (confirmed, confirm_failed) = await asyncio.gather(
                            sending, self._confirm_logged(in_flight)
                        )
                        published += confirmed
                        failed = failed or confirm_failed
                    failed = failed or lease_failed or send_failed
                    in_flight = leased
                    overlap = not failed
                    await self._refresh_backlog_logged()
                    if failed:
                        await asyncio.sleep(self._poll_interval_s)
                    elif in_flight is None and ahead is None and published < self._batch_size:
                        await self._wait_for_work()
            finally:
                if ahead is not None:
                    # What it leased is forgotten with the relay; the rows are still pending.
                    ahead.cancel()
                    await asyncio.gather(ahead, return_exceptions=True)

    async def publish_batch(self) -> int:
        """Lease, send and confirm one batch, without the advisory lock (tests and tools).

        Returns:
            How many rows were published (0 when none was due).
        """
        batch = await self._lease_and_send()
        return 0 if batch is None else (await self._confirm(batch))[0]

    # -- one active relay -------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _leadership(self) -> AsyncIterator[Callable[[], Any]]:
        """Hold the service's advisory lock on PostgreSQL, or the database file's lock on SQLite
        (`shared.bus.relay_file_lock`); stand by until it is free.

        Yields a coroutine function that raises if the PostgreSQL lock's connection is lost, so
        the supervisor restarts the relay, which then competes for the lock again.
        """
        engine: AsyncEngine | None = self._sessions.kw.get("bind")
        if engine is None or engine.dialect.name != "postgresql":

            async def always() -> None:
                return None

            lock_file = relay_lock_file(engine)
            fd = None if lock_file is None else await self._acquire_file(lock_file)
            try:
                yield always
            finally:
                if fd is not None:
                    os.close(fd)  # releases the lock
            return
        key = relay_lock_key(self._service)
        conn = await self._acquire(engine, key)
        last_check = asyncio.get_running_loop().time()

        async def still_leader() -> None:
            nonlocal last_check
            now = asyncio.get_running_loop().time()
            if now - last_check >= 5.0:
                last_check = now
                await conn.execute(text("SELECT 1"))

        try:
            yield still_leader
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close())  # closing the session releases the lock

    async def _acquire_file(self, path: Path) -> int:
        standby_logged = False
        while (fd := try_lock(path)) is None:
            if not standby_logged:
                log.info("outbox relay of %s stands by: another process's relay is active", self._service)
                standby_logged = True
            await asyncio.sleep(max(self._poll_interval_s, 1.0))
        log.info("outbox relay of %s is active", self._service)
        return fd

    async def _acquire(self, engine: AsyncEngine, key: int) -> AsyncConnection:
        standby_logged = False
        while True:
            conn = await engine.connect()
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})).scalar()
            if got:
                log.info("outbox relay of %s is active", self._service)
                return conn
            await conn.close()
            if not standby_logged:
                log.info("outbox relay of %s stands by: another replica is active", self._service)
                standby_logged = True
            await asyncio.sleep(max(self._poll_interval_s, 1.0))

    # -- lease, send, confirm ----------------------------------------------------------------

    def _next_lease_rows(self, size: int, leased: int) -> int:
        """After a lease of `size` rows gave `leased`: twice as many while leases come back full
        (a backlog), the first size again once one does not (the outbox is drained)."""
        return min(2 * size, self._batch_size) if leased >= size else self._first_lease_rows

    async def _lease_logged(self, limit: int) -> tuple[list[Any], bool]:
        """`_lease_due_rows`, and whether it failed (logged; nothing was leased)."""
        try:
            return await self._lease_due_rows(limit), False
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox relay could not lease a batch; retrying")
            return [], True

    async def _send_logged(self, rows: list[Any]) -> tuple[_Batch | None, bool]:
        """`_send`, and whether it failed (logged; the rows were released, to be leased again)."""
        try:
            return await self._send(rows), False
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox relay could not send a batch; retrying")
            return None, True

    async def _lease_and_send(self) -> _Batch | None:
        return await self._send(await self._lease_due_rows())

    async def _send(self, rows: list[Any]) -> _Batch | None:
        """Hand leased rows to the producer; if that raises, their lease is released first."""
        if not rows:
            return None
        generation = getattr(self._producer, "generation", 0)
        try:
            spans = self._publish_spans(rows) if tracing.tracer() is not None else None
            return _Batch(rows, await self._send_all(rows), generation, spans)
        except BaseException:
            self._leases.release(rows)
            raise

    def _publish_spans(self, rows: list[Any]) -> list[Span | None]:
        """One producer span per row, in the trace of the request or handler that staged it."""
        return [
            tracing.start_span(
                f"{row.topic} publish",
                traceparent=tracing.traceparent_in(row.content),
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": self._topic_name(row.topic),
                    "messaging.kafka.message.key": row.partition_key,
                    "cloudevents.event_type": row.event_type,
                    "service": self._service,
                },
            )
            for row in rows
        ]

    async def _lease_due_rows(self, limit: int | None = None) -> list[Any]:
        """Pick up to `limit` (default `batch_size`) due rows of unblocked keys in id order and lease
        them, in one short read.

        It clears the wake first: a wake that comes after a lease has begun is kept for the next
        wait, since the rows it announces may have committed after the lease read the table. The
        leased ranges are read before the query runs: a batch released since was deleted or
        backed off in a transaction that committed first, so the query sees that instead."""
        self._wake.clear()
        now = utcnow()
        async with self._sessions() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                await session.exec(_INDEX_ORDER_ONLY)  # type: ignore[call-overload]
            params = {"p_now": now, **self._leases.ranges()}
            gapped = self._leases.ranges(with_gaps_only=True)
            due = _due_rows(self._batch_size if limit is None else limit)
            rows = (await session.exec(due, params=params)).all()  # type: ignore[call-overload]
            if not rows:
                return []
            asked = {"p_now": now, "p_below": rows[-1].id, **gapped}
            blocked = set((await session.exec(_BLOCKED_KEYS, params=asked)).scalars())  # type: ignore[call-overload]
        blocked |= self._leases.keys()
        rows = [row for row in rows if row.partition_key not in blocked]
        self._leases.add(rows)
        return rows

    async def _send_all(self, rows: list[Any]) -> list[Outcome]:
        """Enqueue rows in id order, one record batch per partition (`send_records`)."""
        topic_name = self._topic_name
        topics: dict[str, str] = {}  # a batch's rows share a few base topics
        records = [
            OutgoingRecord(
                topics.get(row.topic) or topics.setdefault(row.topic, topic_name(row.topic)),
                row.partition_key.encode(),
                row.content.encode(),
            )
            for row in rows
        ]
        return await send_records(self._producer, records, HEADERS)

    async def _confirm(self, batch: _Batch) -> tuple[int, bool]:
        """Await acks (bounded), then record the outcome in one short transaction and release
        the batch's lease (also when recording fails: its rows are then sent again).

        Returns:
            (rows published, whether any row failed).
        """
        try:
            return await self._settle(batch)
        finally:
            self._leases.release(batch.rows)

    async def _settle(self, batch: _Batch) -> tuple[int, bool]:
        results = await self._await_acks(batch.futures)
        for span, result in zip(batch.spans or (), results, strict=False):
            tracing.end_span(span, None if result is True else (result or "held back behind its key"))
        sent = [row.id for row, result in zip(batch.rows, results, strict=True) if result is True]
        failures = [
            (row, result)
            for row, result in zip(batch.rows, results, strict=True)
            if isinstance(result, BaseException)
        ]
        async with self._sessions() as session, session.begin():
            if sent:
                await self._delete_ids(session, sent)
            for row, error in failures:
                await self._record_failure(session, row, error)
        if any(needs_new_producer(error) for _, error in failures):
            await self._renew_producer(batch.generation)
        produced = Counter(
            row.event_type for row, result in zip(batch.rows, results, strict=True) if result is True
        )
        for event_type, count in produced.items():
            EVENTS_PRODUCED.labels(self._service, event_type).inc(count)
        return len(sent), bool(failures)

    async def _renew_producer(self, generation: int) -> None:
        """Replace a producer whose idempotence state is lost; its failed rows are retried."""
        if not isinstance(self._producer, RenewableProducer):
            return
        try:
            await self._producer.renew(generation)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("kafka producer not replaced yet; retried with the next batch", exc_info=True)

    async def _confirm_logged(self, batch: _Batch) -> tuple[int, bool]:
        try:
            return await self._confirm(batch)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The rows stay pending and are released: the next lease sends them again.
            log.exception("outbox relay could not confirm a batch; its rows are sent again")
            return 0, True

    async def _await_acks(self, futures: list[Outcome]) -> list[bool | BaseException | None]:
        """Per row: True (acked), the error, or None (held back). Waits at most `ack_timeout_s`."""
        pending = [f for f in futures if isinstance(f, asyncio.Future)]
        if pending:
            await asyncio.wait(pending, timeout=self._ack_timeout_s)
        results: list[bool | BaseException | None] = []
        for fut in futures:
            if fut is None or isinstance(fut, BaseException):
                results.append(fut)
            elif not fut.done():
                results.append(TimeoutError(f"no ack within {self._ack_timeout_s}s"))
            elif fut.cancelled():
                results.append(asyncio.CancelledError())
            else:
                error = fut.exception()
                results.append(True if error is None else error)
        return results

    async def _record_failure(self, session: AsyncSession, row: Any, error: BaseException) -> None:
        attempts = row.attempts + 1
        message = f"{type(error).__name__}: {error}"[:2000]
        OUTBOX_PUBLISH_FAILURES.labels(self._service).inc()
        if _never_publishable(error) or attempts >= self._max_attempts:
            await self._update_ids(session, [row.id], state=PARKED, attempts=attempts, last_error=message)
            OUTBOX_PARKED.labels(self._service).inc()
            log.error(
                "outbox row %s (%s) parked after %d attempts: %s; re-drive it with redrive_parked()",
                row.id,
                row.event_type,
                attempts,
                message,
            )
            return
        backoff = min(self._max_backoff_s, 0.5 * 2**row.attempts)
        await self._update_ids(
            session,
            [row.id],
            attempts=attempts,
            last_error=message,
            next_attempt_at=utcnow() + timedelta(seconds=backoff),
        )
        log.warning("outbox row %s not published (attempt %s): %s", row.id, attempts, message)

    @staticmethod
    async def _delete_ids(session: AsyncSession, ids: list[int]) -> None:
        """One DELETE for a set of rows (one array literal on PostgreSQL)."""
        postgresql = session.get_bind().dialect.name == "postgresql"
        await session.exec(_delete_by_ids(postgresql), params={"ids": _ids_param(postgresql, ids)})  # type: ignore[call-overload]

    @staticmethod
    async def _update_ids(session: AsyncSession, ids: list[int], **values: Any) -> None:
        """One UPDATE for a set of rows (one array literal on PostgreSQL)."""
        postgresql = session.get_bind().dialect.name == "postgresql"
        statement = _update_by_ids(postgresql, tuple(values))
        params: dict[str, Any] = {f"p_{name}": value for name, value in values.items()}
        params["ids"] = _ids_param(postgresql, ids)
        await session.exec(statement, params=params)  # type: ignore[call-overload]

    # -- housekeeping ------------------------------------------------------------------------

    async def _refresh_backlog_logged(self) -> None:
        try:
            await self._refresh_backlog()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox backlog check failed")

    async def _refresh_backlog(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_backlog_check < 2.0:
            return
        self._last_backlog_check = loop_time
        pending = in_state(_TABLE, PENDING)
        # The oldest pending row is the lowest pending id: min(id) comes from ix_outbox_pending_id
        # like the count, and only that one row's created_at from the table.
        oldest_id = select(func.min(_TABLE.c.id)).where(pending).correlate(None).scalar_subquery()
        created = select(_TABLE.c.created_at).where(_TABLE.c.id == oldest_id).correlate(None)
        parked = select(func.count()).select_from(_TABLE).where(in_state(_TABLE, PARKED)).correlate(None)
        query = select(func.count(), created.scalar_subquery(), parked.scalar_subquery()).where(pending)
        async with self._sessions() as session:  # one round trip for the three gauges
            count, oldest, parked_now = (await session.exec(query)).one()  # type: ignore[call-overload]
        OUTBOX_BACKLOG.labels(self._service).set(count)
        OUTBOX_PARKED_ROWS.labels(self._service).set(parked_now)
        age = 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())
        OUTBOX_OLDEST_PENDING_AGE.labels(self._service).set(age)

    async def _wait_for_work(self) -> None:
        # asyncio.timeout, not wait_for: 3.11's wait_for returns when the event is set just as the
        # relay is cancelled, losing the cancellation (a relay that outlives its shutdown).
        try:
            async with asyncio.timeout(self._poll_interval_s):
                await self._wake.wait()
        except TimeoutError:
            pass


def _ids_param(postgresql: bool, ids: list[int]) -> Any:
    """The ``ids`` parameter of `_update_by_ids` / `_delete_by_ids`: an array literal on PostgreSQL."""
    return "{" + ",".join(map(str, ids)) + "}" if postgresql else ids


def _never_publishable(error: BaseException) -> bool:
    """A broker error that retrying cannot fix (a record over the size limit, `SIZE_REFUSALS`).
    (aiokafka also calls KafkaTimeoutError non-retriable, but for the relay it means "broker
    unreachable": retried with backoff, never parked on its own account.)"""
    return isinstance(error, SIZE_REFUSALS)

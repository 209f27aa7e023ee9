"""The relay's loop (`OutboxRelay.run`) on SQLite with a fake producer and fake timers.

What a running relay promises: it waits for work when there is none, drains more than one batch
without waiting, keeps two batches in flight while all is well (confirming one while leasing the
next), pauses for the poll interval and
stops overlapping after a failure, retries what it could not lease or confirm, keeps the backlog
gauge current, and on PostgreSQL publishes only while it holds the service's advisory lock.

Time never passes for real here: the relay module's `asyncio` is a proxy whose `sleep` only
records its delay, and whose `wait_for` records the timeout of the idle wait (the relay is "idle"
once it waits for work); the relay's clock (`utcnow`) is a value the test moves. The advisory
lock itself is proven on PostgreSQL by tests/integration/test_cluster_faults.py
(`test_a_relay_killed_after_the_commit_is_replaced_and_every_event_lands_once`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from prometheus_client import REGISTRY
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from shared.bus import relay as relay_module
from shared.bus.outbox import PARKED, PENDING, OutboxMessage, add_to_outbox
from shared.bus.relay import OutboxRelay, relay_lock_key
from shared.clock import utcnow
from shared.db import UnitOfWork, create_engine, create_sessions
from tests.support.events import project_registered as registered

POLL_S = 30.0
WAIT_S = 5.0  # only a failing test ever waits this long


class Timers:
    """Stands in for the relay module's `asyncio`: sleeps return at once, waits are recorded."""

    def __init__(self) -> None:
        self.sleeps: list[Any] = []
        self.idle_waits: list[Any] = []
        self.idle = asyncio.Event()

    async def sleep(self, delay: Any) -> None:
        self.sleeps.append(delay)
        await asyncio.sleep(0)

    def timeout(self, delay: Any) -> Any:
        """Stands in for asyncio.timeout, which the relay waits for work under (its only use)."""
        self.idle_waits.append(delay)
        self.idle.set()
        return asyncio.timeout(delay)

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def next_idle(self, task: asyncio.Task[None]) -> None:
        """Until the relay waits for work again (fails at once if its loop ended)."""
        self.idle.clear()
        waiter = asyncio.ensure_future(self.idle.wait())
        done, _ = await asyncio.wait({waiter, task}, timeout=WAIT_S, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        assert not task.done(), (
            f"the relay's loop ended: {task.exception() if not task.cancelled() else 'cancelled'}"
        )
        assert waiter in done, "the relay never went idle"
        for _ in range(3):  # let a broken idle wait surface
            await asyncio.sleep(0)
        assert not task.done(), f"the relay's loop ended: {task.exception()}"


class Producer:
    """Acks at once unless `fail` returns an error; `hold` keeps the ack futures for the test."""

    def __init__(self) -> None:
        self.sent: list[str] = []  # event ids, in send order
        self.fail: Callable[[str], BaseException | None] = lambda event_id: None
        self.hold = False
        self.held: list[asyncio.Future[Any]] = []
        self.sends = asyncio.Event()

    async def send(self, topic: str, value: bytes, key: bytes, headers: Any) -> asyncio.Future[Any]:
        event_id = value.decode().split('"id":"')[1].split('"')[0]
        self.sent.append(event_id)
        self.sends.set()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        error = self.fail(event_id)
        if error is not None:
            future.set_exception(error)
        elif self.hold:
            self.held.append(future)
        else:
            future.set_result(None)
        return future


class Clock:
    def __init__(self) -> None:
        self.now: datetime = utcnow() + timedelta(minutes=1)  # rows staged now are due

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.engine = create_engine(f"sqlite:///{tmp_path / 'loop.db'}")
        self.sessions = create_sessions(self.engine)
        self.uow = UnitOfWork(self.sessions)
        self.producer = Producer()
        self.timers = Timers()
        self.clock = Clock()
        self.service = f"loop-{uuid.uuid4().hex[:8]}"
        monkeypatch.setattr(relay_module, "asyncio", self.timers)
        monkeypatch.setattr(relay_module, "utcnow", self.clock)
        self.task: asyncio.Task[None] | None = None

    def relay(self, sessions: Any = None, **options: Any) -> OutboxRelay:
        options.setdefault("poll_interval_s", POLL_S)
        return OutboxRelay(
            service=self.service,
            sessions=sessions or self.sessions,
            producer=self.producer,  # type: ignore[arg-type]
            topic_name=lambda t: t,
            **options,
        )

    def start(self, relay: OutboxRelay) -> asyncio.Task[None]:
        self.task = asyncio.ensure_future(relay.run())
        return self.task

    async def stage(self, *keys: uuid.UUID) -> list[str]:
        async with self.uow() as session:
            return [add_to_outbox(session, registered(key)).id for key in keys]

    async def rows(self) -> dict[str, OutboxMessage]:
        async with self.uow() as session:
            found = (await session.exec(select(OutboxMessage))).all()  # type: ignore[call-overload]
        return {row[0].event_id: row[0] for row in found}

    async def states(self) -> dict[str, str]:
        return {eid: row.state for eid, row in (await self.rows()).items()}


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    w = World(tmp_path, monkeypatch)
    async with w.engine.begin() as conn:
        await conn.run_sync(OutboxMessage.metadata.create_all, tables=[OutboxMessage.__table__])  # type: ignore[attr-defined]
    yield w
    if w.task is not None and not w.task.done():
        w.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await w.task
    await w.engine.dispose()


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_idle_relay_waits_for_work_then_a_wake_publishes_at_once(world, caplog) -> None:  # type: ignore[no-untyped-def]
    relay = world.relay()
    task = world.start(relay)
    await world.timers.next_idle(task)
    assert world.timers.idle_waits == [POLL_S] and world.timers.sleeps == []
    assert errors(caplog) == []

    (row,) = await world.stage(uuid.uuid4())
    for _ in range(3):
        await asyncio.sleep(0)
    assert world.producer.sent == []  # nothing moves until the relay is woken (the poll is 30 s)
    idle_again = asyncio.ensure_future(world.timers.next_idle(task))
    await asyncio.sleep(0)
    relay.wake()  # what the unit of work does after a commit that added events
    await idle_again
    assert world.producer.sent == [row]
    assert (await world.states()) == {}  # published and deleted
    assert world.timers.sleeps == [] and errors(caplog) == []


async def test_a_relay_drains_full_batches_without_waiting(world, caplog) -> None:  # type: ignore[no-untyped-def]
    """One row per batch, two rows of one key: the second goes out before the relay idles."""
    key = uuid.uuid4()
    first, second = await world.stage(key, key)
    task = world.start(world.relay(batch_size=1))
    await world.timers.next_idle(task)
    assert world.producer.sent == [first, second]
    assert (await world.states()) == {}  # published and deleted
    assert world.timers.idle_waits == [POLL_S] and world.timers.sleeps == []
    assert errors(caplog) == []


async def test_the_next_batch_is_sent_while_the_previous_ones_acks_are_awaited(world) -> None:  # type: ignore[no-untyped-def]
    first, second = await world.stage(uuid.uuid4(), uuid.uuid4())
    world.producer.hold = True
    task = world.start(world.relay(batch_size=1))
    for _ in range(200):
        if len(world.producer.sent) == 2 or task.done():
            break
        await asyncio.sleep(0.001)
    assert world.producer.sent == [first, second], "both batches are handed over before any ack"
    assert not any(f.done() for f in world.producer.held)
    for future in world.producer.held:
        future.set_result(None)
    await world.timers.next_idle(task)
    assert (await world.states()) == {}  # published and deleted
    assert world.timers.sleeps == []


async def test_the_next_batch_is_leased_while_one_is_sent_and_the_previous_one_confirmed(
    world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Batch 1's send waits until batch 2's lease has begun, and batch 2's send until batch 1's
    confirmation has begun: a relay that leased, sent and confirmed in turn would never get past
    either wait (the database and Python overlap)."""
    first, second = await world.stage(uuid.uuid4(), uuid.uuid4())
    relay = world.relay(batch_size=1)
    leasing, confirming = asyncio.Event(), asyncio.Event()
    lease, send_all, confirm = relay._lease_due_rows, relay._send_all, relay._confirm
    leases: list[int] = []
    sends: list[bool] = []

    async def lease_noted(limit: int | None = None) -> list[Any]:
        leases.append(len(sends))
        if len(leases) == 2:
            leasing.set()
        return await lease(limit)

    async def send_after_the_other(rows: list[Any]) -> Any:
        waited_for = leasing if not sends else confirming
        await asyncio.wait_for(waited_for.wait(), WAIT_S)  # raises if it never happens meanwhile
        sends.append(waited_for.is_set())
        return await send_all(rows)

    async def confirm_noted(batch: Any) -> tuple[int, bool]:
        confirming.set()
        return await confirm(batch)

    monkeypatch.setattr(relay, "_lease_due_rows", lease_noted)
    monkeypatch.setattr(relay, "_send_all", send_after_the_other)
    monkeypatch.setattr(relay, "_confirm", confirm_noted)
    task = world.start(relay)
    await world.timers.next_idle(task)
    assert leases[:2] == [0, 0]  # the second lease began before the first batch was sent
    assert sends == [True, True]
    assert world.producer.sent == [first, second]
    assert (await world.states()) == {}  # published and deleted
    assert world.timers.sleeps == []


async def test_a_burst_goes_out_in_leases_that_double_while_they_come_back_full(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """First lease 1 row, then 2, then 4 (the batch size); a lease that comes back short (the
    outbox is drained) starts the next burst at 1 again. Every row goes out once, in order."""
    staged = await world.stage(*(uuid.uuid4() for _ in range(9)))
    relay = world.relay(batch_size=4, first_lease_rows=1)
    lease = relay._lease_due_rows
    limits: list[int | None] = []
    got: list[int] = []

    async def lease_noted(limit: int | None = None) -> list[Any]:
        limits.append(limit)
        rows = await lease(limit)
        got.append(len(rows))
        return rows

    monkeypatch.setattr(relay, "_lease_due_rows", lease_noted)
    task = world.start(relay)
    await world.timers.next_idle(task)
    assert list(zip(limits, got, strict=True))[:5] == [(1, 1), (2, 2), (4, 4), (4, 2), (1, 0)]
    assert world.producer.sent == staged
    assert (await world.states()) == {}  # published and deleted

    limits.clear()
    more = await world.stage(uuid.uuid4(), uuid.uuid4())
    idle_again = asyncio.ensure_future(world.timers.next_idle(task))
    await asyncio.sleep(0)
    relay.wake()
    await idle_again
    assert limits[:2] == [1, 2]  # the next burst starts small again
    assert world.producer.sent == staged + more


async def test_after_a_failed_batch_the_relay_pauses_and_confirms_before_leasing_again(world, caplog) -> None:  # type: ignore[no-untyped-def]
    """A fails (retriable), B goes out: the relay sleeps one poll interval, then confirms B first."""
    failing, fine = await world.stage(uuid.uuid4(), uuid.uuid4())
    world.producer.fail = lambda eid: KafkaConnectionError() if eid == failing else None
    relay = world.relay(batch_size=1)
    task = world.start(relay)
    await world.timers.next_idle(task)
    assert world.timers.sleeps == [POLL_S]
    rows = await world.rows()
    assert fine not in rows  # published and deleted
    assert (rows[failing].state, rows[failing].attempts) == (PENDING, 1)
    assert rows[failing].next_attempt_at == world.clock.now + timedelta(seconds=0.5)
    assert world.producer.sent == [failing, fine]
    assert errors(caplog) == []

    # once the back-off is over and the relay is woken, the row goes out without another pause
    world.clock.now += timedelta(seconds=1)
    idle_again = asyncio.ensure_future(world.timers.next_idle(task))
    await asyncio.sleep(0)
    world.producer.fail = lambda eid: None
    relay.wake()
    await idle_again
    assert (await world.states()) == {}  # published and deleted
    assert world.producer.sent == [failing, fine, failing]
    assert world.timers.sleeps == [POLL_S]


class FlakySessions:
    """The relay's session factory; `failures` opening a session fail (the database is away)."""

    def __init__(self, sessions: Any, bind: Any = None) -> None:
        self._sessions = sessions
        self.kw = {"bind": bind if bind is not None else sessions.kw["bind"]}
        self.failures = 0

    def __call__(self) -> Any:
        if self.failures:
            self.failures -= 1
            raise OperationalError("connect", {}, Exception("database is away"))
        return self._sessions()


async def test_a_batch_that_cannot_be_leased_is_logged_and_retried_after_the_poll_interval(
    world, caplog
) -> None:  # type: ignore[no-untyped-def]
    (row,) = await world.stage(uuid.uuid4())
    sessions = FlakySessions(world.sessions)
    sessions.failures = 1
    task = world.start(world.relay(sessions=sessions))
    await world.timers.next_idle(task)
    assert errors(caplog) == ["outbox relay could not lease a batch; retrying"]
    assert all(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)
    assert world.timers.sleeps == [POLL_S]
    assert (await world.states()) == {}  # published and deleted


def fail_once_when(engine: Any, marker: str) -> list[bool]:
    """Make the next SQL statement containing `marker` fail once; returns the switch."""
    armed = [True]

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if armed[0] and marker in statement:
            armed[0] = False
            raise RuntimeError("the database went away while recording the outcome")

    return armed


async def test_a_batch_that_cannot_be_confirmed_is_released_and_goes_out_again_after_the_pause(
    world, caplog
) -> None:  # type: ignore[no-untyped-def]
    (row,) = await world.stage(uuid.uuid4())
    fail_once_when(world.engine, "DELETE FROM outbox_message")
    task = world.start(world.relay())
    await world.timers.next_idle(task)
    assert errors(caplog) == ["outbox relay could not confirm a batch; its rows are sent again"]
    assert world.timers.sleeps == [POLL_S]
    assert world.producer.sent == [row, row]  # at least once: the same event again
    assert (await world.states()) == {}  # published and deleted


def backlog(service: str) -> float | None:
    return REGISTRY.get_sample_value("outbox_backlog", {"service": service})


async def test_the_backlog_gauge_counts_pending_rows_at_most_every_two_seconds(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key = uuid.uuid4()
    await world.stage(key, key, uuid.uuid4())
    async with world.uow() as session:  # a parked row is not backlog
        session.add(
            OutboxMessage(
                event_id=str(uuid.uuid4()),
                event_type="t",
                topic="t",
                partition_key="k",
                content="{}",
                state=PARKED,
                created_at=world.clock.now,
                next_attempt_at=world.clock.now,
            )
        )
    loop_time = [2.0]  # the loop's clock: the first check is due at once

    class Loop:
        def time(self) -> float:
            return loop_time[0]

    monkeypatch.setattr(world.timers, "get_running_loop", Loop, raising=False)
    relay = world.relay()
    await relay._refresh_backlog_logged()
    assert backlog(world.service) == 3
    await world.stage(uuid.uuid4())
    loop_time[0] += 1.75
    await relay._refresh_backlog_logged()
    assert backlog(world.service) == 3  # checked less than 2 s ago
    loop_time[0] += 0.25
    await relay._refresh_backlog_logged()
    assert backlog(world.service) == 4


async def test_a_failed_backlog_check_is_logged_and_the_relay_carries_on(world, caplog) -> None:  # type: ignore[no-untyped-def]
    (row,) = await world.stage(uuid.uuid4())
    fail_once_when(world.engine, "count(*)")
    task = world.start(world.relay())
    await world.timers.next_idle(task)
    assert errors(caplog) == ["outbox backlog check failed"]
    assert world.timers.sleeps == []  # not a publishing failure: no pause
    assert (await world.states()) == {}  # published and deleted


class LockConnection:
    def __init__(self, granted: bool) -> None:
        self.granted = granted
        self.isolation_level: str | None = None
        self.statements: list[tuple[str, Any]] = []
        self.closed = False

    async def execution_options(self, **options: Any) -> LockConnection:
        self.isolation_level = options.get("isolation_level")
        return self

    async def execute(self, statement: Any, params: Any = None) -> Any:
        self.statements.append((str(statement), params))
        granted = self.granted

        class Result:
            def scalar(self) -> bool:
                return granted

        return Result()

    async def close(self) -> None:
        self.closed = True


class PostgresEngine:
    """Answers `pg_try_advisory_lock` with False `busy` times, then True."""

    class dialect:  # noqa: N801
        name = "postgresql"

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.connections: list[LockConnection] = []

    async def connect(self) -> LockConnection:
        self.connections.append(LockConnection(granted=len(self.connections) >= self.busy))
        return self.connections[-1]


@pytest.mark.parametrize(("poll_s", "pause_s"), [(0.5, 1.0), (POLL_S, POLL_S)])
async def test_on_postgresql_a_relay_stands_by_until_it_holds_the_services_advisory_lock(  # type: ignore[no-untyped-def]
    world, caplog, poll_s, pause_s
) -> None:
    caplog.set_level(logging.INFO, logger="shared.bus.relay")
    (row,) = await world.stage(uuid.uuid4())
    engine = PostgresEngine(busy=2)
    task = world.start(
        world.relay(sessions=FlakySessions(world.sessions, bind=engine), poll_interval_s=poll_s)
    )
    await world.timers.next_idle(task)

    assert len(engine.connections) == 3  # two refusals, then the lock
    lock = (("SELECT pg_try_advisory_lock(:key)", {"key": relay_lock_key(world.service)}),)
    for conn in engine.connections:
        assert conn.isolation_level == "AUTOCOMMIT"  # the lock outlives any transaction
        assert tuple(conn.statements) == lock
    assert [c.closed for c in engine.connections] == [True, True, False]  # the holder stays open
    assert world.timers.sleeps == [pause_s, pause_s]  # at least a second between attempts
    assert [r.getMessage() for r in caplog.records if r.name == "shared.bus.relay"] == [
        f"outbox relay of {world.service} stands by: another replica is active",
        f"outbox relay of {world.service} is active",
    ]
    assert (await world.states()) == {}  # published and deleted

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert engine.connections[-1].closed  # closing the session releases the lock


async def test_by_default_an_idle_relay_looks_for_rows_every_half_second(world) -> None:  # type: ignore[no-untyped-def]
    relay = OutboxRelay(
        service=world.service, sessions=world.sessions, producer=world.producer, topic_name=str
    )  # type: ignore[arg-type]
    task = world.start(relay)
    await world.timers.next_idle(task)
    assert world.timers.idle_waits == [0.5]

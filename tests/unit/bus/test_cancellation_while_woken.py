"""A loop cancelled in the same moment it is woken stops (Python 3.11's `asyncio.wait_for` returns
the wake-up instead, losing the cancellation: a relay or a delivery worker that outlives its
shutdown, and a shutdown that waits for it for ever). The relay's idle wait and the SQLite write
turn are checked here; the delivery worker waits the same way (`services/notification/worker.py`)."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.bus.relay import OutboxRelay
from shared.db.write_turns import _acquire_within


def _relay() -> OutboxRelay:
    return OutboxRelay(service="s", sessions=None, producer=None, topic_name=str)  # type: ignore[arg-type]


async def test_a_relay_woken_and_cancelled_at_once_is_cancelled() -> None:
    relay = _relay()
    waiting = asyncio.create_task(relay._wait_for_work())
    await asyncio.sleep(0)  # idle, waiting for work
    relay.wake()
    waiting.cancel()  # the shutdown arrives in the same turn of the loop as the wake-up
    await asyncio.gather(waiting, return_exceptions=True)
    assert waiting.cancelled()


async def test_an_idle_relay_still_wakes_on_its_poll_interval() -> None:
    relay = OutboxRelay(service="s", sessions=None, producer=None, topic_name=str, poll_interval_s=0.01)  # type: ignore[arg-type]
    await asyncio.wait_for(relay._wait_for_work(), 5)  # returns after the interval, no error


async def test_a_writer_cancelled_as_its_turn_comes_leaves_the_turn_free() -> None:
    lock = asyncio.Lock()
    await lock.acquire()
    waiting = asyncio.create_task(_acquire_within(lock, 30))
    await asyncio.sleep(0)
    lock.release()  # the turn passes to the waiter...
    waiting.cancel()  # ...as it is cancelled
    await asyncio.gather(waiting, return_exceptions=True)
    assert waiting.cancelled() and not lock.locked()


async def test_a_turn_not_given_within_the_limit_is_a_timeout() -> None:
    lock = asyncio.Lock()
    await lock.acquire()
    outcome: list[Any] = await asyncio.gather(_acquire_within(lock, 0.01), return_exceptions=True)
    assert isinstance(outcome[0], TimeoutError) and lock.locked()  # still the first holder's

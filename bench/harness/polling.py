"""Waiting for progress while background tasks run, and stopping them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer

POLL_S = 0.02  # how often a bench polls for progress
TIMEOUT_S = 300.0  # the longest one timed stage may take


async def wait_until(
    counter: Callable[[], Awaitable[int]],
    n: int,
    tasks: list[asyncio.Task[None]],
    *,
    timeout_s: float = TIMEOUT_S,
    poll_s: float = POLL_S,
) -> None:
    """Poll `counter()` until it reaches `n`.

    Raises:
        whatever stopped one of `tasks`, or RuntimeError if it returned; TimeoutError after
        `timeout_s`.
    """
    deadline = time.perf_counter() + timeout_s
    while await counter() < n:
        for task in tasks:
            if task.done():
                task.result()  # raises what killed it
                raise RuntimeError(f"{task} stopped early")
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{getattr(counter, '__name__', counter)} did not reach {n}")
        await asyncio.sleep(poll_s)


async def wait_assigned(consumer: AIOKafkaConsumer, timeout_s: float = 60.0) -> None:
    """Join the group before timing starts (the topics are still empty)."""
    deadline = time.perf_counter() + timeout_s
    while not consumer.assignment():
        await consumer.getmany(timeout_ms=100)
        if time.perf_counter() > deadline:
            raise TimeoutError("consumer got no partitions")


async def cancel(*tasks: asyncio.Task[None]) -> None:
    """Cancel the tasks and wait until each has stopped."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            pass

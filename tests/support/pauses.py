"""`asyncio.sleep` that records the pauses code asks for instead of waiting, for retry loops."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest


class Runaway(BaseException):
    """Raised when a retry loop pauses far more often than any test expects; a BaseException so
    the code's own `except Exception` cannot swallow it."""


@pytest.fixture(name="sleeps")
async def sleeps_fixture(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses asked for, without waiting; a runaway retry loop fails the test.
    Import it into a test module: `from tests.support.pauses import sleeps_fixture`.

    Only the test's own tasks are recorded: the event loop is the session's, and a task an
    earlier test left running (a poll with its own pauses), or one on another thread's loop (a
    server a fixture runs), sleeps for real, as it would have,
    instead of filling the test's list (seen once in CI: 0.1 s pauses from elsewhere ran the
    consumer's outage test into `Runaway`)."""
    asked: list[float] = []
    real_sleep = asyncio.sleep
    loop = asyncio.get_running_loop()
    already_running = asyncio.all_tasks() - {asyncio.current_task()}

    async def sleep(delay: float, *args: Any) -> Any:
        if asyncio.get_running_loop() is not loop or asyncio.current_task() in already_running:
            return await real_sleep(delay, *args)
        asked.append(delay)
        if len(asked) > 30:
            raise Runaway("still retrying after 30 pauses")
        await real_sleep(0)
        return args[0] if args else None

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return asked

"""`asyncio.sleep` that records the pauses code asks for instead of waiting, for retry loops."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest


class Runaway(BaseException):
    """Raised when a retry loop pauses far more often than any test expects; a BaseException so
    the code's own `except Exception` cannot swallow it."""


@pytest.fixture(name="sleeps")
def sleeps_fixture(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses asked for, without waiting; a runaway retry loop fails the test.
    Import it into a test module: `from tests.support.pauses import sleeps_fixture`."""
    asked: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float, *args: Any) -> None:
        asked.append(delay)
        if len(asked) > 30:
            raise Runaway("still retrying after 30 pauses")
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return asked

"""Fixtures for the handler tier: a service's handlers on SQLite with a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from shared.bus.subscriptions import Subscriptions
from tests.handlers.harness import ServiceHarness

SERVICES = Path(__file__).parents[2] / "services"


@pytest.fixture
async def harness_for(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    """`await harness_for("funding", SUBSCRIPTIONS)` gives a started ServiceHarness."""
    started: list[ServiceHarness] = []

    async def make(service: str, subscriptions: Subscriptions | None = None) -> ServiceHarness:
        harness = ServiceHarness(
            SERVICES / service / "migrations",
            tmp_path / f"{service}-{len(started)}.db",
            subscriptions or Subscriptions({}),
        )
        started.append(await harness.start())
        return harness

    yield make
    for harness in started:
        await harness.close()

"""Counts the batches a component handles, by wrapping one of its coroutine methods."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class BatchCounts:
    """Non-empty batches handled and the events in them."""

    batches: int = 0
    events: int = 0

    def average(self) -> str:
        """Events per batch, formatted for a table."""
        return f"{self.events / max(self.batches, 1):.0f}"


def count_batches(obj: Any, method: str, counts: BatchCounts, size: Callable[[Any, Any], int]) -> None:
    """Wrap an instance's coroutine method to count the batches it handles (instrumentation).

    Args:
        obj: the instance; only this instance's method is replaced.
        method: the coroutine method's name.
        counts: where to add each call's batch.
        size: (call arguments, result) → the batch's size; 0 is not counted.
    """
    original = getattr(obj, method)

    async def counted(*args: Any) -> Any:
        result = await original(*args)
        n = size(args, result)
        if n:
            counts.batches += 1
            counts.events += n
        return result

    setattr(obj, method, counted)

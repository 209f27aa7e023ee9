"""Medians and ratios over repeated runs."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def median(values: Iterable[float]) -> float:
    """The median of the runs' figures."""
    return statistics.median(values)


def median_run(results: Sequence[T], key: Callable[[T], float]) -> T:
    """The run whose `key` is the median (the upper one of an even count), for its details."""
    return sorted(results, key=key)[len(results) // 2]


def ratio(value: float, baseline: float) -> float:
    """`value` as a fraction of the baseline's figure (e.g. spine events/s over raw events/s)."""
    return value / baseline

"""`observe_many` exports what `observe` one value at a time exports: same buckets, count and sum."""

from __future__ import annotations

import math

import pytest
from prometheus_client import CollectorRegistry, Histogram

from shared.observability.metrics import observe_many

BOUNDS = (0.001, 0.01, 0.1, 1.0, 10.0)


def histograms() -> tuple[Histogram, Histogram]:
    return (
        Histogram("latency_seconds", "test", ["type"], buckets=BOUNDS, registry=CollectorRegistry()),
        Histogram("latency_seconds", "test", ["type"], buckets=BOUNDS, registry=CollectorRegistry()),
    )


def exported(histogram: Histogram) -> dict[str, float]:
    """Every exported sample but `_created`, by name, labels and bound."""
    return {
        f"{s.name}{sorted(s.labels.items())}": s.value
        for s in histogram.collect()[0].samples
        if not s.name.endswith("_created")
    }


def assert_same(batched: Histogram, single: Histogram) -> None:
    got, want = exported(batched), exported(single)
    assert got.keys() == want.keys()
    for name, value in want.items():  # a sum's last bit may differ with the order of additions
        assert math.isclose(got[name], value, rel_tol=1e-12), name


@pytest.mark.parametrize(
    "amounts",
    [
        [0.0005, 0.001, 0.0010001, 0.05, 0.1, 0.5, 1.0, 9.99, 10.0, 10.5, 1e6],  # on and around bounds
        [0.002] * 500,  # a batch of one bucket
        [],
    ],
)
def test_the_exposition_matches_observing_one_at_a_time(amounts: list[float]) -> None:
    single, batched = histograms()
    child = single.labels("registry.project.registered.v1")
    for amount in amounts:
        child.observe(amount)
    observe_many(batched.labels("registry.project.registered.v1"), amounts)
    assert_same(batched, single)


def test_a_batch_adds_to_what_was_observed_before() -> None:
    single, batched = histograms()
    first, second = [0.2, 3.0], [0.2, 0.0001, 20.0]
    for amount in first + second:
        single.labels("t").observe(amount)
    batched.labels("t").observe(first[0])
    batched.labels("t").observe(first[1])
    observe_many(batched.labels("t"), second)
    assert_same(batched, single)
    samples = exported(batched)
    assert samples["latency_seconds_count[('type', 't')]"] == 5
    assert samples["latency_seconds_bucket[('le', '0.001'), ('type', 't')]"] == 1
    assert samples["latency_seconds_bucket[('le', '1.0'), ('type', 't')]"] == 3
    assert samples["latency_seconds_bucket[('le', '+Inf'), ('type', 't')]"] == 5

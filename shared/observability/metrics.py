"""Prometheus metrics the bus and the web layer record.

Metrics carry a `service` label, so several services in one process (the test suite) stay apart.
Why module-level: Prometheus allows one collector per name in a process's registry.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections import Counter as Tally
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "CONSUMER_LAG",
    "EVENTS_CONSUMED",
    "EVENTS_DEAD_LETTERED",
    "EVENTS_FAILED",
    "EVENTS_PRODUCED",
    "EVENT_END_TO_END_LATENCY",
    "EVENT_HANDLER_DURATION",
    "HTTP_LATENCY",
    "NOTIFICATION_DELIVERY_ATTEMPTS",
    "OUTBOX_BACKLOG",
    "OUTBOX_OLDEST_PENDING_AGE",
    "OUTBOX_PARKED",
    "OUTBOX_PARKED_ROWS",
    "OUTBOX_PUBLISH_FAILURES",
    "observe_many",
    "per_event_child",
]

HANDLER_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""One handler run: a few milliseconds normally, up to the consumer's 60 s handler timeout."""
END_TO_END_BUCKETS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
"""Commit to handled: sub-second when the bus keeps up, minutes to an hour during a backlog."""

HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by route",
    ["service", "method", "route", "status"],
)
EVENTS_PRODUCED = Counter(
    "events_produced_total", "Events published to Kafka by the outbox relay", ["service", "type"]
)
EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Events handled (or skipped as duplicates)",
    ["service", "type", "outcome"],
)
EVENTS_FAILED = Counter("events_failed_total", "Handler attempts that raised", ["service", "type", "error"])
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered_total", "Events sent to the dead-letter topic", ["service", "reason"]
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_PENDING_AGE = Gauge(
    "outbox_oldest_pending_age_seconds",
    "Age of the oldest outbox row not yet published (0 when none is pending)",
    ["service"],
)
OUTBOX_PARKED = Counter(
    "outbox_parked_total", "Outbox rows parked for an operator (never publishable)", ["service"]
)
OUTBOX_PARKED_ROWS = Gauge(
    "outbox_parked_rows", "Outbox rows parked now, waiting for an operator to re-drive them", ["service"]
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total", "Outbox rows whose publish attempt failed", ["service"]
)
CONSUMER_LAG = Gauge(
    "consumer_lag",
    "Records behind the partition's high-water mark",
    ["service", "topic", "partition"],
)
EVENT_END_TO_END_LATENCY = Histogram(
    "event_end_to_end_latency_seconds",
    "From the event's CloudEvent time (staged in the producer's transaction) to its handler's commit",
    ["service", "type"],
    buckets=END_TO_END_BUCKETS_S,
)
EVENT_HANDLER_DURATION = Histogram(
    "event_handler_duration_seconds",
    "One run of an event handler (failed runs included), without the inbox claim and the commit",
    ["service", "type"],
    buckets=HANDLER_BUCKETS_S,
)
NOTIFICATION_DELIVERY_ATTEMPTS = Counter(
    "notification_delivery_attempts_total",
    "Delivery attempts by channel and outcome: delivered, retry, failed, refused (nothing sent), "
    "unrecorded (the attempt could not be stored; the delivery is tried again)",
    ["channel", "outcome"],
)


@functools.lru_cache(maxsize=4096)
def per_event_child(metric: Any, service: str, event_type: str) -> Any:
    """The (service, type) child of a metric that is recorded for every event, looked up once.

    Why: prometheus-client's `labels()` takes a lock and builds a key on every call, about 2 µs,
    twice per event consumed. Only for metrics whose children are never removed (a removed child
    would stay cached and count into nothing): `EVENT_HANDLER_DURATION`,
    `EVENT_END_TO_END_LATENCY`.

    Args:
        metric: the labelled metric (labels ``service``, ``type``).
        service: the service's name.
        event_type: the CloudEvent type.

    Returns:
        The child to `observe` or `inc`.
    """
    return metric.labels(service, event_type)


def observe_many(child: Any, amounts: Sequence[float]) -> None:
    """`child.observe(amount)` for each of `amounts`, with one increment per bucket touched.

    Why: a consumer records two histograms per event; `observe` takes the value's lock for the
    sum and again for the bucket, about 0.9 µs an event on the 2-core machine. A batch of 500
    events of one type falls into a few buckets. What is exported is what `observe` one by one
    gives (the unit test compares the two). It reads the child's buckets, which
    prometheus-client 0.26 (pinned) keeps in `_upper_bounds`, `_buckets` and `_sum`.

    Args:
        child: a labelled histogram child (e.g. from `per_event_child`).
        amounts: the observations; none is a no-op.
    """
    if not amounts:
        return
    bounds = child._upper_bounds  # ascending, the last is +Inf
    child._sum.inc(sum(amounts))
    # `observe` counts an amount in the first bucket whose bound is >= it: bisect_left's index
    for index, count in Tally(bisect_left(bounds, amount) for amount in amounts).items():
        child._buckets[index].inc(count)

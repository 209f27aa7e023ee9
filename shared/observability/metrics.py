"""Prometheus metrics the bus and the web layer record.

Metrics carry a `service` label, so several services in one process (the test suite) stay apart.
Why module-level: Prometheus allows one collector per name in a process's registry.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "CONSUMER_LAG",
    "EVENTS_CONSUMED",
    "EVENTS_DEAD_LETTERED",
    "EVENTS_FAILED",
    "EVENTS_PRODUCED",
    "HTTP_LATENCY",
    "OUTBOX_BACKLOG",
    "OUTBOX_PARKED",
    "OUTBOX_PUBLISH_FAILURES",
]

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
OUTBOX_PARKED = Counter(
    "outbox_parked_total", "Outbox rows parked for an operator (never publishable)", ["service"]
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total", "Outbox rows whose publish attempt failed", ["service"]
)
CONSUMER_LAG = Gauge(
    "consumer_lag",
    "Records behind the partition's high-water mark",
    ["service", "topic", "partition"],
)

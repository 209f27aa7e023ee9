"""Prometheus metrics and structured JSON logs carrying event and correlation ids.

Metrics carry a `service` label, so several services in one process (the test suite) stay apart.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable

from prometheus_client import Counter, Gauge, Histogram
from starlette.requests import Request
from starlette.responses import Response

from shared.contracts.envelope import correlation_id_var

event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)

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
OUTBOX_PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total", "Outbox rows whose publish attempt failed", ["service"]
)
CONSUMER_LAG = Gauge(
    "consumer_lag",
    "Records behind the partition's high-water mark",
    ["service", "topic", "partition"],
)


def install_http_metrics(app: object, service: str) -> None:
    """Record each request's latency under its route template (not the raw path: bounded labels)."""

    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        HTTP_LATENCY.labels(service, request.method, template, str(response.status_code)).observe(
            time.perf_counter() - start
        )
        return response

    app.middleware("http")(middleware)  # type: ignore[attr-defined]


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the correlation and event ids of the current context."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": correlation_id_var.get(),
            "event_id": event_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps({k: v for k, v in entry.items() if v is not None}, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Send JSON logs to stderr; call once per process, at start-up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel("WARNING")

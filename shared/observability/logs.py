"""Structured JSON logs carrying the correlation and event ids of the current context.

Why JSON with ids: one request's or one event chain's lines across four services can be found by
a single correlation id in any log store.

Why a queue: a request thread only stamps its ids on the record and hands it over; formatting and
writing happen on a listener thread, so a log line (the access line of every request included)
costs the event loop a few microseconds, not a JSON dump and a write to stderr.

Why `ExpectedWaitFilter`: aiokafka logs at ERROR what is only a wait, such as the group
coordinator a fresh broker is still starting (`GroupCoordinatorNotAvailableError`), and retries by
itself. An operator reading ERROR at every normal start learns to ignore ERROR; those lines are
logged at INFO instead, saying what is awaited.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import sys

from shared.context import correlation_id_var, event_id_var

__all__ = [
    "KAFKA_LOGGERS",
    "ContextQueueHandler",
    "ExpectedWaitFilter",
    "JsonFormatter",
    "configure_logging",
    "quiet_expected_waits",
]

KAFKA_LOGGERS = (
    "aiokafka",  # aiokafka/client.py logs here
    "aiokafka.admin.client",
    "aiokafka.conn",
    "aiokafka.cluster",
    "aiokafka.consumer.consumer",
    "aiokafka.consumer.fetcher",
    "aiokafka.consumer.group_coordinator",
    "aiokafka.producer.producer",
    "aiokafka.producer.sender",
)
"""The aiokafka loggers that report retriable waits (a filter sees only its own logger's records)."""

# An error aiokafka retries by itself (its class name in the message) -> what is being awaited.
_EXPECTED_WAITS = (
    ("GroupCoordinatorNotAvailable", "the broker's group coordinator to start"),
    ("CoordinatorLoadInProgress", "the group coordinator to load the group's offsets"),
    ("NotCoordinatorForGroup", "the group's coordinator to move to another broker"),
    ("LeaderNotAvailable", "a new topic's partition leader to be elected"),
    ("NotLeaderForPartition", "a partition's new leader to be known"),
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the correlation and event ids of the current context."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record.

        Args:
            record: the log record.

        Returns:
            One line of JSON with ``time``, ``level``, ``logger``, ``message``, and when known
            ``correlation_id``, ``event_id`` and ``exception``; non-ASCII text kept as is.
        """
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None) or correlation_id_var.get(),
            "event_id": getattr(record, "event_id", None) or event_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps({k: v for k, v in entry.items() if v is not None}, ensure_ascii=False)


class ContextQueueHandler(logging.handlers.QueueHandler):
    """Hands records to the listener thread with the ids of the context that logged them.

    Unlike the standard QueueHandler it does not format the record here (the listener's
    `JsonFormatter` does); it only fixes the message and the ids, which the listener thread could
    not read from its own context.
    """

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """Stamp the ids and the final message on the record; keep the exception for formatting.

        Args:
            record: the record being logged.

        Returns:
            The same record, safe to format on another thread.
        """
        record.correlation_id = correlation_id_var.get()
        record.event_id = event_id_var.get()
        record.msg = record.getMessage()
        record.args = None
        return record


class ExpectedWaitFilter(logging.Filter):
    """Turn aiokafka's WARNING/ERROR lines about a retriable wait into an INFO line saying what is
    awaited; every other record passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Downgrade the record in place when it reports an expected wait.

        Args:
            record: a record of an aiokafka logger.

        Returns:
            Always True: nothing is dropped, a wait is only logged at INFO.
        """
        if record.levelno < logging.WARNING:
            return True
        message = record.getMessage()
        for marker, awaited in _EXPECTED_WAITS:
            if marker in message:
                record.levelno, record.levelname = logging.INFO, "INFO"
                record.msg, record.args = f"waiting for {awaited}; Kafka client retries ({message})", None
                record.exc_info = record.exc_text = None
                break
        return True


def quiet_expected_waits() -> None:
    """Install `ExpectedWaitFilter` on each of `KAFKA_LOGGERS` once (idempotent)."""
    for name in KAFKA_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ExpectedWaitFilter) for f in logger.filters):
            logger.addFilter(ExpectedWaitFilter())


_listener: logging.handlers.QueueListener | None = None


def configure_logging(level: str = "INFO") -> None:
    """Send JSON logs to stderr through a listener thread; call once per process, at start-up.

    Args:
        level: the root logger's level name, e.g. ``"DEBUG"``. aiokafka is held at WARNING,
            and its expected waits are logged at INFO (`ExpectedWaitFilter`).

    Raises:
        ValueError: `level` is not a level name logging knows.
    """
    global _listener
    root = logging.getLogger()
    root.setLevel(level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    if _listener is not None:
        _listener.stop()
    _listener = logging.handlers.QueueListener(records, handler, respect_handler_level=False)
    _listener.start()
    atexit.register(_listener.stop)
    root.handlers[:] = [ContextQueueHandler(records)]
    logging.getLogger("aiokafka").setLevel("WARNING")
    quiet_expected_waits()

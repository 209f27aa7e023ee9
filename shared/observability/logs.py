"""Structured JSON logs carrying the correlation and event ids of the current context.

Why JSON with ids: one request's or one event chain's lines across four services can be found by
a single correlation id in any log store.
"""

from __future__ import annotations

import json
import logging
import sys

from shared.context import correlation_id_var, event_id_var

__all__ = ["JsonFormatter", "configure_logging"]


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
            "correlation_id": correlation_id_var.get(),
            "event_id": event_id_var.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps({k: v for k, v in entry.items() if v is not None}, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Send JSON logs to stderr; call once per process, at start-up.

    Args:
        level: the root logger's level name, e.g. ``"DEBUG"``. aiokafka is held at WARNING.

    Raises:
        ValueError: `level` is not a level name logging knows.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel("WARNING")

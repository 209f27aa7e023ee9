"""The log listener writes queued lines in batches: nothing is lost, order is kept, and a put does
not wake the listener (the line appears at the next drain, or at stop)."""

from __future__ import annotations

import io
import json
import logging
import queue
import time

from shared.context import correlation_id_var
from shared.observability.logs import BatchingListener, ContextQueueHandler, JsonFormatter


def _listener(interval_s: float = 3600.0) -> tuple[BatchingListener, ContextQueueHandler, io.StringIO]:
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    stream = io.StringIO()
    return (
        BatchingListener(records, stream, JsonFormatter(), interval_s),
        ContextQueueHandler(records),
        stream,
    )


def _log(handler: ContextQueueHandler, message: str, *args: object) -> None:
    handler.handle(logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None))


def test_queued_lines_wait_for_the_drain_then_appear_in_order_with_their_correlation_ids() -> None:
    listener, handler, stream = _listener()
    listener.start()
    try:
        for i in range(3):
            token = correlation_id_var.set(f"req-{i}")
            try:
                _log(handler, "line %d", i)
            finally:
                correlation_id_var.reset(token)
        assert stream.getvalue() == ""  # the listener sleeps; the puts woke nobody
        assert listener.drain() == 3
    finally:
        listener.stop()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["message"], x["correlation_id"]) for x in lines] == [
        ("line 0", "req-0"),
        ("line 1", "req-1"),
        ("line 2", "req-2"),
    ]


def test_stop_writes_whatever_is_still_queued() -> None:
    listener, handler, stream = _listener()
    listener.start()
    _log(handler, "last words")
    listener.stop()
    assert json.loads(stream.getvalue())["message"] == "last words"
    listener.stop()  # twice is harmless


def test_the_thread_drains_by_itself_every_interval() -> None:
    listener, handler, stream = _listener(interval_s=0.01)
    listener.start()
    try:
        _log(handler, "soon")
        deadline = time.monotonic() + 5
        while not stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        listener.stop()
    assert "soon" in stream.getvalue()


def test_a_record_that_cannot_be_formatted_does_not_lose_the_others() -> None:
    class Picky(JsonFormatter):
        def format(self, record: logging.LogRecord) -> str:
            if record.getMessage() == "bad":
                raise RuntimeError("cannot")
            return super().format(record)

    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    stream = io.StringIO()
    listener = BatchingListener(records, stream, Picky(), 3600)
    handler = ContextQueueHandler(records)
    for message in ("before", "bad", "after"):
        _log(handler, message)
    listener.drain()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert json.loads(lines[0])["message"] == "before" and json.loads(lines[2])["message"] == "after"
    assert "bad" in lines[1]

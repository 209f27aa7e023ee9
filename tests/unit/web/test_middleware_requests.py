"""The pure ASGI middleware: one retry of a read on a dropped connection, and the access line."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.types import Receive, Scope, Send

from shared.web.middleware import (
    ACCESS_LOGGER,
    AccessLines,
    RequestContextMiddleware,
    RetryDroppedConnectionMiddleware,
)


class FlakyApp:
    """Fails its first call as a dead pooled connection would (invalidated), then answers 200."""

    def __init__(self, invalidated: bool = True) -> None:
        self.calls = 0
        self.invalidated = invalidated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        if self.calls == 1:
            raise OperationalError(
                "SELECT 1",
                {},
                Exception("server closed the connection"),
                connection_invalidated=self.invalidated,
            )
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})


async def call(app: object, method: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, "/projects/1")


async def test_a_read_on_a_dropped_connection_is_retried_once_and_answered() -> None:
    inner = FlakyApp()
    response = await call(RetryDroppedConnectionMiddleware(inner), "GET")
    assert response.status_code == 200 and inner.calls == 2


async def test_a_write_on_a_dropped_connection_is_not_retried() -> None:
    inner = FlakyApp()
    with pytest.raises(OperationalError):
        await call(RetryDroppedConnectionMiddleware(inner), "POST")
    assert inner.calls == 1


async def test_a_database_error_that_is_not_a_dropped_connection_is_not_retried() -> None:
    inner = FlakyApp(invalidated=False)
    with pytest.raises(OperationalError):
        await call(RetryDroppedConnectionMiddleware(inner), "GET")
    assert inner.calls == 1


async def test_each_request_writes_one_access_line_with_its_correlation_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str | None] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            from shared.context import correlation_id_var

            seen.append(correlation_id_var.get())

    handler = Capture()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
            app = RequestContextMiddleware(RetryDroppedConnectionMiddleware(FlakyApp()), service="test")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                response = await client.get("/projects/1", headers={"X-Request-ID": "req-42"})
    finally:
        logger.removeHandler(handler)
    assert response.headers["x-request-id"] == "req-42"
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert lines == [lines[0]] and lines[0].startswith("GET /projects/1 200 ")
    assert seen == ["req-42"]


def test_a_log_line_written_off_the_request_keeps_the_requests_correlation_id() -> None:
    import json
    import queue

    from shared.context import correlation_id_var
    from shared.observability.logs import ContextQueueHandler, JsonFormatter

    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = ContextQueueHandler(records)
    token = correlation_id_var.set("req-7")
    try:
        handler.handle(logging.LogRecord("x", logging.INFO, __file__, 1, "read %s", ("項目",), None))
    finally:
        correlation_id_var.reset(token)
    line = json.loads(JsonFormatter().format(records.get_nowait()))  # formatted outside the request
    assert line["correlation_id"] == "req-7" and line["message"] == "read 項目"


class Answer:
    """Answers every request with `status`."""

    def __init__(self, status: int) -> None:
        self.status = status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.mark.parametrize(
    ("method", "status", "elapsed_s", "wanted"),
    [
        ("GET", 200, 0.01, False),
        ("HEAD", 304, 0.01, False),
        ("POST", 201, 0.01, True),
        ("DELETE", 204, 0.01, True),
        ("GET", 404, 0.01, True),
        ("GET", 500, 0.01, True),
        ("GET", 200, 0.5, True),
        ("GET", 200, 0.499, False),
    ],
)
def test_writes_errors_and_slow_requests_always_get_a_line_fast_reads_are_sampled(
    method: str, status: int, elapsed_s: float, wanted: bool
) -> None:
    assert AccessLines(read_sample=0, slow_s=0.5).wanted(method, status, elapsed_s) is wanted
    assert AccessLines(read_sample=1, slow_s=0.5).wanted(method, status, elapsed_s) is True


def test_the_read_sample_logs_about_its_share_of_fast_reads() -> None:
    lines = AccessLines(read_sample=0.25)
    logged = sum(lines.wanted("GET", 200, 0.001) for _ in range(4000))
    assert 800 <= logged <= 1200  # binomial(4000, 0.25): mean 1000, sd 27


async def test_a_sampled_out_read_writes_no_line_and_a_write_does(caplog: pytest.LogCaptureFixture) -> None:
    lines = AccessLines(read_sample=0)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await call(RequestContextMiddleware(Answer(200), service="test", lines=lines), "GET")
        await call(RequestContextMiddleware(Answer(201), service="test", lines=lines), "POST")
    access = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(access) == 1 and access[0].startswith("POST /projects/1 201 ")


async def test_a_request_without_an_id_gets_a_new_version_4_uuid_each_time() -> None:
    app = RequestContextMiddleware(RetryDroppedConnectionMiddleware(FlakyApp()), service="test")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        ids = [(await client.get("/projects/1")).headers["x-request-id"] for _ in range(3)]
    assert len(set(ids)) == 3
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)

"""The HTTP server span: named by route template, a child of the caller's traceparent, failed on 5xx."""

from __future__ import annotations

from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.observability import tracing
from shared.web.tracing import TracingMiddleware
from tests.support import tokens
from tests.support.tracing import spans_fixture  # noqa: F401  (fixture)
from tests.unit.web.app_under_test import build

UPSTREAM = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_request_is_a_server_span_named_by_its_route_and_child_of_the_callers_trace(
    spans: InMemorySpanExporter,
) -> None:
    client = TestClient(build(), raise_server_exceptions=False)
    response = client.get("/notes/7", headers={**tokens.district(), "traceparent": UPSTREAM})
    assert response.status_code == 200
    (span,) = spans.get_finished_spans()
    assert span.kind is SpanKind.SERVER and span.name == "GET /notes/{note_id}"
    assert f"{span.context.trace_id:032x}" == UPSTREAM.split("-")[1]
    assert span.parent is not None and f"{span.parent.span_id:016x}" == UPSTREAM.split("-")[2]
    assert span.attributes is not None and span.attributes["http.response.status_code"] == 200


def test_a_500_leaves_a_failed_span(spans: InMemorySpanExporter) -> None:
    client = TestClient(build(), raise_server_exceptions=False)
    assert client.get("/boom").status_code == 500
    (span,) = spans.get_finished_spans()
    assert span.name == "GET /boom" and span.status.status_code is StatusCode.ERROR


def test_without_tracing_the_app_has_no_span_layer() -> None:
    assert tracing.tracer() is None
    assert TracingMiddleware not in [m.cls for m in build().user_middleware]


def test_fastapi_records_no_spans_of_its_own_even_when_handed_a_tracer_provider(
    spans: InMemorySpanExporter,
) -> None:
    """FastAPI's built-in telemetry is off: the request is one span (ours), never two."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter as Exporter

    app = build()
    fastapi_spans = Exporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(fastapi_spans))
    app._telemetry["tracer_provider"] = provider  # type: ignore[attr-defined]  # as auto-instrumentation would
    response = TestClient(app).get("/notes/7", headers=tokens.district())
    assert response.status_code == 200
    assert fastapi_spans.get_finished_spans() == ()
    assert [s.name for s in spans.get_finished_spans()] == ["GET /notes/{note_id}"]

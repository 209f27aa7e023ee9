"""Tracing helpers: off unless configured, the envelope's traceparent, forwarding while off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.contracts.envelope import CloudEvent
from shared.observability import tracing
from tests.support.events import project_registered as registered
from tests.support.tracing import spans_fixture  # noqa: F401  (fixture)

UPSTREAM = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
OTEL_ENV = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
)


@pytest.fixture(autouse=True)
def no_otel_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in OTEL_ENV:
        monkeypatch.delenv(name, raising=False)
    yield
    tracing.uninstall()


def test_tracing_stays_off_without_an_endpoint() -> None:
    assert tracing.configure_tracing("registry", None) is False
    assert tracing.tracer() is None
    assert tracing.start_span("x", traceparent=UPSTREAM, kind=SpanKind.INTERNAL) is None


def test_an_endpoint_turns_tracing_on_with_an_otlp_exporter() -> None:
    assert tracing.configure_tracing("registry", "http://127.0.0.1:4318/") is True
    assert tracing.tracer() is not None


def test_otel_sdk_disabled_wins_over_a_configured_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert tracing.configure_tracing("registry", "http://127.0.0.1:4318") is False
    assert tracing.tracer() is None


def test_the_standard_traces_endpoint_variable_turns_tracing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces")
    assert tracing.configure_tracing("registry", None) is True


def test_an_event_wrapped_outside_any_trace_has_no_traceparent() -> None:
    envelope = CloudEvent.wrap(registered())
    assert "traceparent" not in envelope.to_bytes().decode()
    assert tracing.traceparent_in(envelope.to_bytes()) is None


def test_an_event_wrapped_in_a_span_carries_that_spans_context(spans: InMemorySpanExporter) -> None:
    tracer = tracing.tracer()
    assert tracer is not None
    with tracer.start_as_current_span("command") as span:
        envelope = CloudEvent.wrap(registered())
    ctx = span.get_span_context()
    expected = f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
    assert tracing.traceparent_of(envelope.model_extra) == expected
    assert tracing.traceparent_in(envelope.to_bytes()) == expected
    assert CloudEvent.from_bytes(envelope.to_bytes()).model_extra == {"traceparent": expected}


def test_while_off_a_handled_events_traceparent_is_forwarded_to_the_events_it_causes() -> None:
    with tracing.EventScope("registry.project.registered.v1", "evt-1", UPSTREAM):
        caused = CloudEvent.wrap(registered())
    after = CloudEvent.wrap(registered())
    assert tracing.traceparent_of(caused.model_extra) == UPSTREAM
    assert tracing.traceparent_of(after.model_extra) is None


def test_while_off_an_event_without_extensions_costs_no_scope() -> None:
    assert tracing.event_scope("t.v1", "evt-1", {}) is None
    assert tracing.event_scope("t.v1", "evt-1", {"traceparent": UPSTREAM}) is not None


def test_while_on_the_handler_span_is_a_child_of_the_events_traceparent(
    spans: InMemorySpanExporter,
) -> None:
    with tracing.EventScope("registry.project.registered.v1", "evt-1", UPSTREAM):
        caused = CloudEvent.wrap(registered())
    (span,) = spans.get_finished_spans()
    assert span.kind is SpanKind.CONSUMER and span.name == "registry.project.registered.v1 process"
    assert span.parent is not None and f"{span.parent.span_id:016x}" == UPSTREAM.split("-")[2]
    assert f"{span.context.trace_id:032x}" == UPSTREAM.split("-")[1]
    assert tracing.traceparent_of(caused.model_extra).split("-")[2] == f"{span.context.span_id:016x}"  # type: ignore[union-attr]


def test_a_handler_that_raises_leaves_a_failed_span(spans: InMemorySpanExporter) -> None:
    with pytest.raises(ValueError), tracing.EventScope("t.v1", "evt-1", None):
        raise ValueError("bad")
    (span,) = spans.get_finished_spans()
    assert not span.status.is_ok and span.events[0].name == "exception"


@pytest.mark.parametrize(
    "content",
    [
        '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01"}',  # span id short
        '{"traceparent":"01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}',  # unknown version
        '{"traceparent":"00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01"}',  # upper case
        '{"data":{"note":"traceparent"}}',
    ],
)
def test_a_malformed_or_absent_traceparent_is_ignored(content: str) -> None:
    assert tracing.traceparent_in(content) is None
    assert tracing.parent_context(tracing.traceparent_in(content)) is None

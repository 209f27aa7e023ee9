"""OpenTelemetry traces across HTTP -> outbox -> Kafka -> consumer -> webhook, off unless configured.

One trace follows a command through the platform: the HTTP request's span; the event it stages,
which carries the span's context as the CloudEvents `traceparent` extension (W3C Trace Context);
the relay's publish span and the consumer's handler span, both children of that context; events
a handler stages (children of the handler span); and notification's webhook request, which
carries a `traceparent` header to the receiver.

Why a module-level tracer and not the global provider: the global provider can be set once per
process, and tests install an in-memory exporter per test (`install`). Why off by default: with no
tracer every helper here is a `None` check, so a deployment without a collector pays nothing.
While tracing is off, the consumer still forwards an incoming event's `traceparent` to the events
its handler stages and to webhooks, so a trace started elsewhere stays connected.

Configured by `ServiceSettings.otel_exporter_otlp_endpoint` (the standard
`OTEL_EXPORTER_OTLP_ENDPOINT`) or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`; the other `OTEL_*`
variables (headers, timeout, sampler, resource attributes, `OTEL_SDK_DISABLED`) work as usual.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:  # the SDK is imported only when tracing is configured
    from opentelemetry.sdk.trace import TracerProvider

__all__ = [
    "EventScope",
    "TRACEPARENT",
    "configure_tracing",
    "current_traceparent",
    "end_span",
    "event_scope",
    "install",
    "parent_context",
    "span_traceparent",
    "start_span",
    "traceparent_in",
    "traceparent_of",
    "tracer",
    "uninstall",
]

TRACEPARENT = "traceparent"
"""The CloudEvents extension and the HTTP header that carry a W3C trace context."""
INSTRUMENTATION = "renovation-platform"
_TRACES_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
_PROPAGATOR = TraceContextTextMapPropagator()
_TRACEPARENT_RE = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_IN_JSON = '"traceparent":"'
_LENGTH = 55  # version 00: 2 + 1 + 32 + 1 + 16 + 1 + 2

_tracer: Tracer | None = None
_provider: TracerProvider | None = None
_forwarded: contextvars.ContextVar[str | None] = contextvars.ContextVar("traceparent", default=None)
"""The incoming event's traceparent while tracing is off, forwarded to what its handler causes."""


def configure_tracing(service: str, endpoint: str | None) -> bool:
    """Start exporting spans over OTLP/HTTP when an endpoint is configured (once per process).

    Args:
        service: the `service.name` resource attribute.
        endpoint: the collector's base URL (``/v1/traces`` is appended), or None; then
            `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, if set, is the full traces URL.

    Returns:
        Whether tracing is on in this process (it stays on once configured or installed).
    """
    if _tracer is not None:
        return True
    traces_url = os.environ.get(_TRACES_ENDPOINT_ENV) or None
    if endpoint is None and traces_url is None:
        return False
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    # Imported only when on: a process without a collector never loads the SDK or the exporter.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if traces_url is None and endpoint is not None:
        traces_url = f"{endpoint.rstrip('/')}/v1/traces"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url)))
    install(provider)
    return True


def install(provider: TracerProvider) -> None:
    """Send this process's spans to `provider` from now on (tests: an in-memory exporter).

    Args:
        provider: a configured SDK tracer provider.
    """
    global _tracer, _provider
    _provider = provider
    _tracer = provider.get_tracer(INSTRUMENTATION)


def uninstall() -> None:
    """Turn tracing off again (tests); spans already started still end normally."""
    global _tracer, _provider
    _tracer = None
    _provider = None


def tracer() -> Tracer | None:
    """The process's tracer, or None while tracing is off.

    Returns:
        The tracer every span of the platform is started with.
    """
    return _tracer


def _format(span: Span) -> str | None:
    ctx = span.get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def current_traceparent() -> str | None:
    """The traceparent an event staged now should carry.

    Returns:
        The current span's context in W3C form while tracing is on; while it is off, the
        traceparent of the event being handled (forwarded); None outside both.
    """
    if _tracer is not None:
        value = _format(trace.get_current_span())
        if value is not None:
            return value
    return _forwarded.get()


def traceparent_of(extensions: Mapping[str, Any] | None) -> str | None:
    """A valid traceparent among an envelope's extensions (`CloudEvent.model_extra`).

    Args:
        extensions: the envelope's extension members, or None.

    Returns:
        The value when it is a well-formed version-00 traceparent, else None.
    """
    value = (extensions or {}).get(TRACEPARENT)
    if isinstance(value, str) and _TRACEPARENT_RE.match(value):
        return value
    return None


def traceparent_in(content: str | bytes) -> str | None:
    """The traceparent of a compact JSON envelope without parsing it (relay rows, deliveries).

    Args:
        content: an envelope serialised by `CloudEvent.to_bytes` (no spaces between members).

    Returns:
        The well-formed traceparent, or None when it has none.
    """
    text = content.decode() if isinstance(content, bytes) else content
    start = text.find(_IN_JSON)
    if start < 0:
        return None
    value = text[start + len(_IN_JSON) : start + len(_IN_JSON) + _LENGTH]
    return value if _TRACEPARENT_RE.match(value) else None


def parent_context(traceparent: str | None) -> Context | None:
    """The OpenTelemetry context whose remote parent is `traceparent`.

    Args:
        traceparent: a W3C traceparent, or None.

    Returns:
        The context to start a child span in, or None (a new trace) when there is none.
    """
    if not traceparent:
        return None
    return _PROPAGATOR.extract({TRACEPARENT: traceparent})


def start_span(
    name: str,
    *,
    traceparent: str | None,
    kind: SpanKind,
    attributes: Mapping[str, str | int] | None = None,
) -> Span | None:
    """Start (not activate) a child span of `traceparent`; the caller ends it with `end_span`.

    Args:
        name: the span name.
        traceparent: the parent's W3C context, or None for a new trace.
        kind: producer, consumer, client or server.
        attributes: span attributes (semantic-convention names).

    Returns:
        The span, or None while tracing is off.
    """
    if _tracer is None:
        return None
    return _tracer.start_span(name, context=parent_context(traceparent), kind=kind, attributes=attributes)


def end_span(span: Span | None, error: BaseException | str | None = None) -> None:
    """End a span from `start_span`, marked as failed when `error` is given.

    Args:
        span: the span, or None (tracing off: nothing to do).
        error: the exception, or a short description, of a failure.
    """
    if span is None:
        return
    if isinstance(error, BaseException):
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    elif error is not None:
        span.set_status(Status(StatusCode.ERROR, error))
    span.end()


def span_traceparent(span: Span | None, fallback: str | None) -> str | None:
    """The traceparent to send onward: the span's own context, or `fallback` when tracing is off.

    Args:
        span: the span the outgoing call belongs to, or None.
        fallback: the traceparent to forward without a span.

    Returns:
        A W3C traceparent, or None.
    """
    if span is None:
        return fallback
    return _format(span) or fallback


def event_scope(event_type: str, event_id: str, extensions: Mapping[str, Any] | None) -> EventScope | None:
    """The scope to run an event's handler in, or None when there is nothing to do.

    Args:
        event_type: the CloudEvents type.
        event_id: the CloudEvents id.
        extensions: the envelope's extension members (`CloudEvent.model_extra`).

    Returns:
        None while tracing is off and the event has no extension to forward (the consumer's
        per-event cost stays one check); else an `EventScope` to enter around the handler.
    """
    if _tracer is None and not extensions:
        return None
    return EventScope(event_type, event_id, traceparent_of(extensions))


class EventScope:
    """The handler span of one consumed event, current while its handler runs.

    While tracing is off it only forwards the event's traceparent (see `current_traceparent`);
    the span's name and attributes are built only when tracing is on.

    Args:
        event_type: the CloudEvents type.
        event_id: the CloudEvents id.
        traceparent: the event's `traceparent` extension, or None.
    """

    __slots__ = ("_event_id", "_event_type", "_span", "_token", "_traceparent")

    def __init__(self, event_type: str, event_id: str, traceparent: str | None) -> None:
        self._event_type = event_type
        self._event_id = event_id
        self._traceparent = traceparent
        self._span: Span | None = None
        self._token: Any = None

    def __enter__(self) -> None:
        if _tracer is None:
            self._token = _forwarded.set(self._traceparent)
            return
        self._span = start_span(
            f"{self._event_type} process",
            traceparent=self._traceparent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.message.id": self._event_id,
                "cloudevents.event_type": self._event_type,
            },
        )
        self._token = otel_context.attach(trace.set_span_in_context(self._span))  # type: ignore[arg-type]

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if self._span is None:
            _forwarded.reset(self._token)
            return
        otel_context.detach(self._token)
        end_span(self._span, exc)

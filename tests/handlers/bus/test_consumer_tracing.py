"""A consumed event's handler runs inside the event's trace (tracing on) or forwards its
`traceparent` to the events it stages (tracing off), and leaves nothing behind afterwards."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.bus.errors import PermanentError
from shared.context import correlation_id_var
from shared.observability import tracing
from tests.handlers.bus.consumer_fakes import (  # noqa: F401  (fixtures)
    TYPE,
    DeadLetters,
    Inbox,
    ScriptedHandler,
    envelope,
    inbox_fixture,
    make_consumer,
    new_service,
    record,
    sleeps_fixture,
)
from tests.support.tracing import spans_fixture  # noqa: F401  (fixture)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"


class SeesTrace(ScriptedHandler):
    """Also notes, per run, the traceparent an event staged by the handler would carry."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.traceparents: list[str | None] = []

    async def __call__(self, session: Any, event: Any) -> None:
        self.traceparents.append(tracing.current_traceparent())
        await super().__call__(session, event)


async def test_with_tracing_on_the_handler_runs_in_a_consumer_span_child_of_the_events_trace(
    inbox: Inbox, spans: InMemorySpanExporter
) -> None:
    event = envelope(traceparent=TRACEPARENT)
    handler = SeesTrace()
    await make_consumer(inbox, handler, DeadLetters(), new_service()).process_partition_batch([record(event)])
    (span,) = spans.get_finished_spans()
    assert span.name == f"{TYPE} process"
    assert span.kind == SpanKind.CONSUMER
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert span.parent is not None and f"{span.parent.span_id:016x}" == PARENT_SPAN_ID
    assert span.attributes["messaging.message.id"] == event.id
    assert span.attributes["cloudevents.event_type"] == TYPE
    assert span.status.status_code != StatusCode.ERROR
    # what the handler stages continues the handler's own span, in the same trace
    (seen,) = handler.traceparents
    assert seen == f"00-{TRACE_ID}-{span.context.span_id:016x}-01"
    assert tracing.current_traceparent() is None


async def test_a_failing_run_ends_its_span_as_an_error_and_the_next_run_gets_its_own(
    inbox: Inbox, spans: InMemorySpanExporter, sleeps: list[float]
) -> None:
    event = envelope(traceparent=TRACEPARENT)
    handler = SeesTrace(script={event.id: [RuntimeError("transient"), None]})
    await make_consumer(inbox, handler, DeadLetters(), new_service()).process_partition_batch([record(event)])
    finished = spans.get_finished_spans()
    assert [s.status.status_code for s in finished] == [StatusCode.ERROR, StatusCode.UNSET]
    assert {f"{s.context.trace_id:032x}" for s in finished} == {TRACE_ID}
    assert finished[0].context.span_id != finished[1].context.span_id


async def test_with_tracing_off_the_handler_forwards_the_events_traceparent_and_then_forgets_it(
    inbox: Inbox,
) -> None:
    assert tracing.tracer() is None
    handler = SeesTrace()
    consumer = make_consumer(inbox, handler, DeadLetters(), new_service())
    await consumer.process_partition_batch([record(envelope(traceparent=TRACEPARENT))])
    await consumer.process_partition_batch([record(envelope(), offset=1)])
    assert handler.traceparents == [TRACEPARENT, None]
    assert tracing.current_traceparent() is None


async def test_the_log_context_is_reset_after_a_failing_handler(inbox: Inbox, sleeps: list[float]) -> None:
    event = envelope(correlationid="corr-from-http")
    handler = ScriptedHandler(script={event.id: [PermanentError("refused")]})
    before = correlation_id_var.get()
    await make_consumer(inbox, handler, DeadLetters(), new_service()).process_partition_batch([record(event)])
    assert {seen["correlation"] for seen in handler.seen} == {"corr-from-http"}
    assert correlation_id_var.get() == before

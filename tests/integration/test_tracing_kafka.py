"""One trace over real Kafka: registry's POST /projects, its relay, notification's consumer and the
webhook to a loopback receiver share one trace id, carried between the services only by the
CloudEvents `traceparent` extension (spans go to an in-memory exporter in this process)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.contracts.registry import ProjectRegistered
from shared.observability import tracing
from tests.support.flows import register_project
from tests.support.servers import eventually, serve
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)  # before the services start: their apps get the span layer
    yield exporter
    tracing.uninstall()


async def test_a_registered_projects_webhook_is_in_the_trace_of_the_request(  # type: ignore[no-untyped-def]
    platform, spans: InMemorySpanExporter
) -> None:
    receiver = WebhookReceiver()
    hook_server = await serve(receiver.app())
    try:
        registry = await platform.start("registry")
        notification = await platform.start("notification")
        created = await notification.post(
            "/subscriptions",
            json={"event_types": [ProjectRegistered.TYPE], "endpoint_url": f"{hook_server.url}/hook"},
        )
        assert created.status_code == 201, created.text

        await register_project(registry)

        async def delivered() -> bool:  # the webhook arrived and its client span has ended
            ended = any(s.kind is SpanKind.CLIENT for s in spans.get_finished_spans())
            return len(receiver.received) >= 1 and ended

        await eventually(delivered)
        (hook,) = receiver.received
        _, trace_hex, parent_hex, _ = hook.headers["traceparent"].split("-")

        (server,) = [s for s in spans.get_finished_spans() if s.name == "POST /projects"]
        assert trace_hex == f"{server.context.trace_id:032x}"
        in_trace = [s for s in spans.get_finished_spans() if s.context.trace_id == server.context.trace_id]
        by_kind = {(s.kind, s.name) for s in in_trace}
        assert (SpanKind.PRODUCER, "registry.events publish") in by_kind
        assert (SpanKind.CONSUMER, f"{ProjectRegistered.TYPE} process") in by_kind
        (webhook,) = [s for s in in_trace if s.kind is SpanKind.CLIENT]
        assert parent_hex == f"{webhook.context.span_id:016x}"
    finally:
        await hook_server.stop()

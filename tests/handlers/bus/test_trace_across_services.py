"""One trace from an HTTP command to the webhook it causes, with an in-memory span exporter.

The registry's POST /projects stages ProjectRegistered under the request's server span; the relay
publishes the row in a producer span; notification's consumer handles the record in a consumer
span; the delivery worker sends the webhook with a `traceparent` header. All share one trace id,
carried between processes only by the envelope's `traceparent` extension.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import httpx
from aiokafka.structs import ConsumerRecord
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.notification.channels.webhook import WebhookSender
from services.notification.handlers import SUBSCRIPTIONS as NOTIFICATION
from services.notification.handlers.deliveries import lease_due
from services.registry.handlers import SUBSCRIPTIONS as REGISTRY
from services.registry.main import create_registry_app
from services.registry.settings import RegistrySettings
from shared.bus.consumer import EventConsumer
from shared.bus.relay import OutboxRelay
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectRegistered
from shared.db import create_sessions
from shared.observability import tracing
from shared.outbound import Allowlist
from shared.web.tracing import TracingMiddleware
from tests.handlers.harness import ServiceHarness
from tests.handlers.notification.helpers import stub_resolver, subscribe
from tests.support import tokens
from tests.support.factories import community_body, project_body
from tests.support.fake_poster import MockPoster
from tests.support.tracing import spans_fixture  # noqa: F401  (fixture)


class CapturingProducer:
    """Acks every record at once and keeps (topic, value) as the broker would receive them."""

    def __init__(self) -> None:
        self.records: list[tuple[str, bytes]] = []

    async def send(self, topic: str, value: bytes, key: bytes, headers: Any) -> asyncio.Future[Any]:
        self.records.append((topic, value))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def registry_client(harness: ServiceHarness) -> httpx.AsyncClient:
    """The registry app in process (built after tracing was installed), on the harness's DB."""
    settings = RegistrySettings(environment="test", rate_limits_enabled=False)
    app = create_registry_app(settings)
    app.state.runtime = SimpleNamespace(
        settings=settings,
        engine=harness.engine,
        unit_of_work=harness.unit_of_work,
        clock=harness.clock,
        tasks=[],
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry")


def record(topic: str, value: bytes, offset: int) -> ConsumerRecord:  # type: ignore[type-arg]
    return ConsumerRecord(
        topic=topic,
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=None,
        value=value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=len(value),
        headers=[],
    )


def traceparent(span: ReadableSpan) -> str:
    """The W3C form of a finished span's context."""
    ctx = span.context
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def only(finished: list[ReadableSpan], kind: SpanKind, name: str) -> ReadableSpan:
    (span,) = [s for s in finished if s.kind is kind and s.name.startswith(name)]
    return span


async def test_a_command_its_event_the_handler_and_the_webhook_share_one_trace(  # type: ignore[no-untyped-def]
    harness_for, spans: InMemorySpanExporter
) -> None:
    registry: ServiceHarness = await harness_for("registry", REGISTRY)
    notification: ServiceHarness = await harness_for("notification", NOTIFICATION)
    await subscribe(notification, "finance", [ProjectRegistered.TYPE])

    # 1. HTTP: the command stages ProjectRegistered under the request's server span.
    async with registry_client(registry) as client:
        community = await client.post("/communities", json=community_body(), headers=tokens.district())
        assert community.status_code == 201, community.text
        project = await client.post(
            "/projects", json=project_body(community.json()["id"]), headers=tokens.district()
        )
        assert project.status_code == 201, project.text
    server = only(spans.get_finished_spans(), SpanKind.SERVER, "POST /projects")
    trace_id = server.context.trace_id
    staged = [e for e in await registry.outbox() if e.type == ProjectRegistered.TYPE]
    assert [tracing.traceparent_of(e.model_extra) for e in staged] == [traceparent(server)]

    # 2. The relay publishes the row in a producer span, a child of the request's span.
    producer = CapturingProducer()
    relay = OutboxRelay(
        service="registry",
        sessions=create_sessions(registry.engine),
        producer=producer,  # type: ignore[arg-type]
        topic_name=lambda t: t,
    )
    assert await relay.publish_batch() >= 1
    publish = [s for s in spans.get_finished_spans() if s.kind is SpanKind.PRODUCER]
    assert publish and {s.context.trace_id for s in publish} >= {trace_id}
    registered_publish = [s for s in publish if s.context.trace_id == trace_id]
    assert [s.parent.span_id for s in registered_publish if s.parent] == [server.context.span_id]

    # 3. Notification's consumer handles the record in a consumer span of the same trace.
    consumer = EventConsumer(
        service="notification",
        consumer=None,  # type: ignore[arg-type]
        producer=None,  # type: ignore[arg-type]
        unit_of_work=notification.unit_of_work,
        subscriptions=NOTIFICATION,
        group="notification",
        dead_letter_topic="notification.dlq",
        clock=notification.clock,
    )
    await consumer.process_partition_batch(
        [record(topic, value, offset) for offset, (topic, value) in enumerate(producer.records)]
    )
    handled = only(spans.get_finished_spans(), SpanKind.CONSUMER, ProjectRegistered.TYPE)
    assert handled.context.trace_id == trace_id
    assert handled.parent is not None and handled.parent.span_id == server.context.span_id

    # 4. The webhook carries a traceparent of that trace: its client span's.
    requests: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(204)

    sender = WebhookSender(
        MockPoster(receive),
        timeout_s=5,
        allowlist=Allowlist(),
        require_https=False,
        resolver=stub_resolver,
    )
    now = notification.clock.now()
    leased = await notification.run(lambda s: lease_due(s, now=now, lease_s=30, limit=10))
    assert [d.event_type for d in leased] == [ProjectRegistered.TYPE]
    await sender.send(leased[0], now)
    webhook = only(spans.get_finished_spans(), SpanKind.CLIENT, "webhook POST")
    assert webhook.context.trace_id == trace_id
    (request,) = requests
    assert request.headers["traceparent"] == traceparent(webhook)
    # The body is the stored envelope byte for byte (signed as is); it names the trace too.
    assert (
        CloudEvent.from_bytes(request.content).model_extra["traceparent"].split("-")[1] == f"{trace_id:032x}"
    )


async def test_with_tracing_off_the_web_stack_has_no_span_layer_and_events_no_traceparent(  # type: ignore[no-untyped-def]
    harness_for,
) -> None:
    assert tracing.tracer() is None
    registry: ServiceHarness = await harness_for("registry", REGISTRY)
    async with registry_client(registry) as client:
        app = client._transport.app  # type: ignore[attr-defined]
        assert TracingMiddleware not in [m.cls for m in app.user_middleware]
        community = await client.post("/communities", json=community_body(), headers=tokens.district())
        project = await client.post(
            "/projects", json=project_body(community.json()["id"]), headers=tokens.district()
        )
        assert project.status_code == 201, project.text
    staged = await registry.outbox()
    assert staged and all(tracing.TRACEPARENT not in (e.model_extra or {}) for e in staged)


async def test_with_tracing_off_a_handled_events_traceparent_reaches_the_webhook_unchanged(  # type: ignore[no-untyped-def]
    harness_for,
) -> None:
    notification: ServiceHarness = await harness_for("notification", NOTIFICATION)
    await subscribe(notification, "finance", [ProjectRegistered.TYPE])
    upstream = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    payload = ProjectRegistered(
        project_id="7c0e5a4e-8f0b-4c53-a7f4-1d2b6b0e9a11",  # type: ignore[arg-type]
        community_id="1b8a6c1e-0d9e-4b52-9a53-6f1f0e2d7c44",  # type: ignore[arg-type]
        district_code="zz-jinshui",
        programme_code="zhengzhou-2019",
        name="整治",
        investment_fen=100,
    )
    envelope = CloudEvent.wrap(payload).model_copy(update={"traceparent": upstream})
    assert await notification.redeliver(envelope) == "handled"
    requests: list[httpx.Request] = []
    sender = WebhookSender(
        MockPoster(lambda r: httpx.Response(204), requests),
        timeout_s=5,
        allowlist=Allowlist(),
        require_https=False,
        resolver=stub_resolver,
    )
    now = notification.clock.now()
    (leased,) = await notification.run(lambda s: lease_due(s, now=now, lease_s=30, limit=10))
    await sender.send(leased, now)
    assert [r.headers.get("traceparent") for r in requests] == [upstream]

"""A server span per HTTP request (pure ASGI), installed only when tracing is on.

The span is current while the route runs, so an event the command stages carries its context as
`traceparent` (`shared.contracts.envelope.CloudEvent.wrap`). A caller's `traceparent` header
makes the span its child. Why hand-written: it is a dozen lines, reuses the route template the
router leaves in the scope, and adds no layer at all when tracing is off (`create_app` leaves it
out), so the request path of a deployment without a collector is unchanged.
"""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability import tracing

__all__ = ["TracingMiddleware"]


class TracingMiddleware:
    """Wrap each HTTP request in a server span named by method and route template.

    Args:
        app: the wrapped ASGI app.
        service: the service's name, a span attribute.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracer = tracing.tracer()
        if scope["type"] != "http" or tracer is None:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        span = tracer.start_span(
            method,
            context=tracing.parent_context(_traceparent(scope)),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope["path"], "service": self.service},
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        except BaseException as exc:
            span.record_exception(exc)
            raise
        finally:
            route = getattr(scope.get("route"), "path", None)
            if route is not None:
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            otel_context.detach(token)
            span.end()


def _traceparent(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"traceparent":
            return value.decode("latin-1")[:128]
    return None

"""The webhook channel: send one stored delivery, signed, to the address the guard checked.

The destination is checked again right before sending (DNS may have changed since the
subscription was made) and the connection is pinned to the checked address. Only a short status
line comes back; the response body is never kept or logged. A short body is read and dropped so the
connection goes back to the pool for the next delivery (httpx closes a connection whose response
was not read to its end: one TCP handshake per delivery otherwise). The request carries a `traceparent`
header in the event's trace (a client span's, when tracing is on), so a receiver that traces joins it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import httpx
from opentelemetry.trace import SpanKind

from services.notification.domain.attempts import AttemptResult, http_status_line, refused_line
from services.notification.domain.retry import parse_retry_after
from services.notification.domain.signing import sign
from services.notification.handlers.deliveries import LeasedDelivery
from shared.contracts.envelope import CONTENT_TYPE
from shared.observability import tracing
from shared.outbound import Allowlist, OutboundRefused, Resolver, check_url, pinned_request

DRAIN_LIMIT_BYTES = 64 * 1024
"""A response body up to this long is read (and dropped) so its connection can be reused; a longer
one closes the connection instead."""
DRAIN_BUDGET_S = 0.5
"""The longest the sender reads a body for: the status is already known, and a receiver that drips
its body must not hold the delivery's slot (the connection is closed instead)."""


class WebhookSender:
    """Sends deliveries through one HTTP client (the runtime's; tests replace its transport).

    Args:
        client: must not follow redirects.
        timeout_s: the total deadline of one attempt, resolution included.
        allowlist, require_https, resolver: the outbound guard's configuration.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        timeout_s: float,
        allowlist: Allowlist,
        require_https: bool,
        resolver: Resolver | None = None,
    ) -> None:
        self._client = client
        self._timeout_s = timeout_s
        self._allowlist = allowlist
        self._require_https = require_https
        self._resolver = resolver

    async def send(self, delivery: LeasedDelivery, now: datetime) -> AttemptResult:
        """One attempt, bounded by the total deadline; never raises for the receiver's faults."""
        started = time.monotonic()
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout(self._timeout_s):
                result, response = await self._attempt(delivery, now)
        except TimeoutError:
            result = AttemptResult(None, "timeout")
        latency = int((time.monotonic() - started) * 1000)
        if response is not None:  # after the deadline's scope: the status already counts
            await _drain(response)
        return AttemptResult(result.status, result.status_line, result.retry_after_s, result.sent, latency)

    async def _attempt(
        self, delivery: LeasedDelivery, now: datetime
    ) -> tuple[AttemptResult, httpx.Response | None]:
        """Check, sign and POST; the response, when one came, is returned unread for the caller to
        drain and close (nothing awaits after it arrives, so the deadline cannot lose it)."""
        try:
            destination = await check_url(
                delivery.endpoint_url or "",
                allowlist=self._allowlist,
                require_https=self._require_https,
                resolver=self._resolver,
            )
        except OutboundRefused as refused:
            return AttemptResult(None, refused_line(refused.rule), sent=False), None
        timestamp = int(now.timestamp())
        headers = {
            "content-type": CONTENT_TYPE,
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(
                sign(secret, delivery.event_id, timestamp, delivery.content)
                for secret in (delivery.secret, delivery.previous_secret)
                if secret
            ),
        }
        traceparent = tracing.traceparent_in(delivery.content)
        span = tracing.start_span(
            "webhook POST",
            traceparent=traceparent,
            kind=SpanKind.CLIENT,
            attributes={
                "http.request.method": "POST",
                "webhook.id": delivery.event_id,
                "attempt": delivery.attempts + 1,
            },
        )
        outgoing = tracing.span_traceparent(span, traceparent)
        if outgoing is not None:
            headers[tracing.TRACEPARENT] = outgoing
        request = pinned_request(
            self._client,
            destination,
            "POST",
            content=delivery.content,
            headers=headers,
            timeout=self._timeout_s,
        )
        try:
            response = await self._send(request)
        except _Failed as failed:
            tracing.end_span(span, failed.line)
            return AttemptResult(None, failed.line), None
        except BaseException as exc:  # cancelled by the attempt's deadline
            tracing.end_span(span, exc)
            raise
        if span is not None:
            span.set_attribute("http.response.status_code", response.status_code)
        tracing.end_span(span, None if response.status_code < 400 else http_status_line(response.status_code))
        retry_after = None
        if response.status_code in (429, 503):
            retry_after = parse_retry_after(response.headers.get("retry-after"), now)
        status_line = http_status_line(response.status_code)
        return AttemptResult(response.status_code, status_line, retry_after), response

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """Send without following redirects; a failure without a response becomes `_Failed`."""
        try:
            return await self._client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException:
            raise _Failed("timeout") from None
        except httpx.ConnectError as exc:
            raise _Failed(
                "connection refused" if "refused" in str(exc).lower() else "connection failed"
            ) from None
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
            raise _Failed("connection reset") from None
        except httpx.HTTPError:
            raise _Failed("connection failed") from None


async def _drain(response: httpx.Response) -> None:
    """Read and drop a short body so the connection returns to the pool, then close the response;
    a long, slow or broken body only costs the connection, never the attempt's result."""
    read = 0
    try:
        async with asyncio.timeout(DRAIN_BUDGET_S):
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read > DRAIN_LIMIT_BYTES:
                    break
    except (TimeoutError, httpx.HTTPError, httpx.StreamError):
        pass  # the connection is closed instead
    finally:
        await response.aclose()


class _Failed(Exception):
    """The request got no response; `line` is the short status line kept for operators."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line

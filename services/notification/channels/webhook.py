"""The webhook channel: send one stored delivery, signed, to a destination the guard checked.

The destination is checked again right before sending (DNS may have changed since the
subscription was made), and once more when a connection is opened (`shared.outbound_session`).
A short status line is what the delivery list shows; the start of an answer body is kept,
bounded, in the attempt log for the subscription's owner (`domain/attempts.py`). The HTTP exchange
itself is a `Poster`'s (`webhook_post.py`). The request carries a `traceparent` header in the
event's trace (a client span's, when tracing is on), so a receiver that traces joins it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from opentelemetry.trace import SpanKind

from services.notification.channels.webhook_post import Exchange, Poster, PostFailed
from services.notification.domain.attempts import (
    AttemptResult,
    http_status_line,
    refused_line,
    response_excerpt,
)
from services.notification.domain.retry import parse_retry_after
from services.notification.domain.signing import sign
from services.notification.handlers.deliveries import LeasedDelivery
from shared.contracts.envelope import CONTENT_TYPE
from shared.observability import tracing
from shared.outbound import Allowlist, OutboundRefused, Resolver, check_url


class WebhookSender:
    """Sends deliveries through one poster (the worker's; handler tests pass a fake).

    Args:
        poster: carries the POST.
        timeout_s: the total deadline of one attempt, resolution included.
        allowlist, require_https, resolver: the outbound guard's configuration.
        excerpt_chars: how much of an answer body the attempt keeps for the owner (0: none).
    """

    def __init__(
        self,
        poster: Poster,
        *,
        timeout_s: float,
        allowlist: Allowlist,
        require_https: bool,
        resolver: Resolver | None = None,
        excerpt_chars: int = 0,
    ) -> None:
        self._poster = poster
        self._excerpt_chars = excerpt_chars
        self._timeout_s = timeout_s
        self._allowlist = allowlist
        self._require_https = require_https
        self._resolver = resolver

    async def send(self, delivery: LeasedDelivery, now: datetime) -> AttemptResult:
        """One attempt, bounded by the total deadline; never raises for the receiver's faults."""
        started = time.monotonic()
        exchange: Exchange | None = None
        try:
            async with asyncio.timeout(self._timeout_s):
                result, exchange = await self._attempt(delivery, now)
        except TimeoutError:
            result = AttemptResult(None, "timeout")
        latency = int((time.monotonic() - started) * 1000)
        excerpt = None
        if exchange is not None:  # after the deadline's scope: the status already counts
            body = await exchange.finish(self._excerpt_chars * 4)  # UTF-8: up to 4 bytes a character
            excerpt = response_excerpt(body, self._excerpt_chars)
        return AttemptResult(
            result.status, result.status_line, result.retry_after_s, result.sent, latency, excerpt=excerpt
        )

    async def _attempt(
        self, delivery: LeasedDelivery, now: datetime
    ) -> tuple[AttemptResult, Exchange | None]:
        """Check, sign and POST; the answer, when one came, is returned unfinished for the caller to
        drain (nothing awaits after it arrives, so the deadline cannot lose it)."""
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
        try:
            exchange = await self._poster.post(destination, delivery.content, headers)
        except OutboundRefused as refused:  # at connection time: DNS changed since the check
            tracing.end_span(span, refused_line(refused.rule))
            return AttemptResult(None, refused_line(refused.rule), sent=False), None
        except PostFailed as failed:
            tracing.end_span(span, failed.line)
            return AttemptResult(None, failed.line), None
        except BaseException as exc:  # cancelled by the attempt's deadline
            tracing.end_span(span, exc)
            raise
        if span is not None:
            span.set_attribute("http.response.status_code", exchange.status)
        tracing.end_span(span, None if exchange.status < 400 else http_status_line(exchange.status))
        retry_after = None
        if exchange.status in (429, 503):
            retry_after = parse_retry_after(exchange.retry_after, now)
        return AttemptResult(exchange.status, http_status_line(exchange.status), retry_after), exchange

"""The webhook channel: send one stored delivery, signed, to the address the guard checked.

The destination is checked again right before sending (DNS may have changed since the
subscription was made) and the connection is pinned to the checked address. Only a short status
line comes back; the response body is never read into the log.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import httpx

from services.notification.domain.attempts import AttemptResult, http_status_line, refused_line
from services.notification.domain.retry import parse_retry_after
from services.notification.domain.signing import sign
from services.notification.handlers.deliveries import LeasedDelivery
from shared.contracts.envelope import CONTENT_TYPE
from shared.outbound import Allowlist, OutboundRefused, Resolver, check_url, pinned_request


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
        try:
            async with asyncio.timeout(self._timeout_s):
                result = await self._attempt(delivery, now)
        except TimeoutError:
            result = AttemptResult(None, "timeout")
        latency = int((time.monotonic() - started) * 1000)
        return AttemptResult(result.status, result.status_line, result.retry_after_s, result.sent, latency)

    async def _attempt(self, delivery: LeasedDelivery, now: datetime) -> AttemptResult:
        try:
            destination = await check_url(
                delivery.endpoint_url or "",
                allowlist=self._allowlist,
                require_https=self._require_https,
                resolver=self._resolver,
            )
        except OutboundRefused as refused:
            return AttemptResult(None, refused_line(refused.rule), sent=False)
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
        request = pinned_request(
            self._client,
            destination,
            "POST",
            content=delivery.content,
            headers=headers,
            timeout=self._timeout_s,
        )
        try:
            response = await self._client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException:
            return AttemptResult(None, "timeout")
        except httpx.ConnectError as exc:
            return AttemptResult(
                None, "connection refused" if "refused" in str(exc).lower() else "connection failed"
            )
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
            return AttemptResult(None, "connection reset")
        except httpx.HTTPError:
            return AttemptResult(None, "connection failed")
        await response.aclose()  # the body is never read: nothing of it is kept or shown
        retry_after = None
        if response.status_code in (429, 503):
            retry_after = parse_retry_after(response.headers.get("retry-after"), now)
        return AttemptResult(response.status_code, http_status_line(response.status_code), retry_after)

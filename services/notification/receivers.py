"""Verification helper for receivers: what a department system runs on each webhook it receives.

Standalone on purpose (standard library only): copy this file into a receiver, or import it.

    from receivers import verify_webhook, InvalidWebhook, SeenIds

    seen = SeenIds()
    try:
        event = verify_webhook(SECRET, request.headers, request.body, seen=seen)
    except InvalidWebhook as refused:
        return 400, str(refused)            # not from the platform, stale, or tampered with
    if event is None:
        return 204                           # a duplicate: already handled, answer success
    handle(event)                            # the CloudEvent, parsed
    return 204

It checks the Standard Webhooks signature (HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.
<body>"; several space-separated signatures are accepted while a secret is being rotated),
refuses a timestamp more than five minutes from now (a captured request cannot be replayed
later), and deduplicates on `webhook-id` (the platform delivers at least once; the id is the
event's id, the same on every retry).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

__all__ = ["InvalidWebhook", "SeenIds", "TOLERANCE_S", "verify_webhook"]

TOLERANCE_S = 300


class InvalidWebhook(Exception):
    """The request is not a fresh, authentic webhook from the platform."""


class SeenIds:
    """The webhook ids already handled, oldest forgotten first (keep at least a day's worth).

    A receiver with several processes should keep them in its database instead, with a unique
    constraint on the id, in the same transaction as the handling.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def add(self, webhook_id: str) -> bool:
        """Remember `webhook_id`; False if it was already there."""
        if webhook_id in self._ids:
            return False
        self._ids[webhook_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raise InvalidWebhook("the secret is not a whsec_ base64 secret") from None


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    seen: SeenIds | None = None,
) -> Any | None:
    """Check a received webhook; return its parsed JSON body, or None for a duplicate.

    Args:
        secret: the subscription's signing secret (``whsec_…``), shown once at subscription.
        headers: the request's headers (any case).
        body: the raw request body, exactly as received (before any JSON parsing).
        now: the current Unix time; the system clock by default.
        seen: remembered ids, to deduplicate; omit to skip deduplication.

    Raises:
        InvalidWebhook: a header is missing, the timestamp is stale or from the future, or no
            signature matches.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    webhook_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (webhook_id and stamp and signatures):
        raise InvalidWebhook("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise InvalidWebhook("webhook-timestamp is not a Unix time") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > TOLERANCE_S:
        raise InvalidWebhook("webhook-timestamp is more than five minutes from now")
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()
    matched = False
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        matched |= version == "v1" and hmac.compare_digest(value, expected)
    if not matched:
        raise InvalidWebhook("no signature matches")
    if seen is not None and not seen.add(webhook_id):
        return None
    return json.loads(body)

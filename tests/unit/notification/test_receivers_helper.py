"""The receivers' helper and the platform's signer agree with an independent implementation,
the `standardwebhooks` package, in both directions."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notification.domain.signing import new_secret, sign
from services.notification.receivers import InvalidWebhook, SeenIds, verify_webhook

BODY = json.dumps({"specversion": "1.0", "id": "evt-1", "type": "registry.project.accepted.v1"}).encode()


def signed_headers(secret: str, webhook_id: str = "evt-1", at: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, webhook_id, stamp, BODY),
    }


def test_the_oracle_verifies_what_the_platform_signs() -> None:
    secret = new_secret()
    assert Webhook(secret).verify(BODY, signed_headers(secret))["id"] == "evt-1"


def test_the_oracle_refuses_a_platform_signature_under_another_secret() -> None:
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, signed_headers(new_secret()))


def test_the_helper_verifies_what_the_oracle_signs() -> None:
    secret = new_secret()
    now = int(time.time())
    signature = Webhook(secret).sign("evt-9", datetime.fromtimestamp(now, tz=UTC), BODY.decode())
    headers = {"Webhook-Id": "evt-9", "Webhook-Timestamp": str(now), "Webhook-Signature": signature}
    assert verify_webhook(secret, headers, BODY, now=now)["type"] == "registry.project.accepted.v1"


def test_the_helper_and_the_platform_agree() -> None:
    secret = new_secret()
    assert verify_webhook(secret, signed_headers(secret), BODY)["id"] == "evt-1"


def test_a_tampered_body_is_refused() -> None:
    secret = new_secret()
    with pytest.raises(InvalidWebhook, match="no signature"):
        verify_webhook(secret, signed_headers(secret), BODY.replace(b"evt-1", b"evt-2"))


@pytest.mark.parametrize("skew", [301, -301])
def test_a_stale_or_future_timestamp_is_refused(skew: int) -> None:
    secret = new_secret()
    now = int(time.time())
    with pytest.raises(InvalidWebhook, match="five minutes"):
        verify_webhook(secret, signed_headers(secret, at=now - skew), BODY, now=now)


def test_a_missing_header_is_refused() -> None:
    secret = new_secret()
    headers = signed_headers(secret)
    del headers["webhook-signature"]
    with pytest.raises(InvalidWebhook, match="missing"):
        verify_webhook(secret, headers, BODY)


def test_a_redelivery_is_recognised_by_its_id() -> None:
    secret = new_secret()
    seen = SeenIds()
    assert verify_webhook(secret, signed_headers(secret), BODY, seen=seen) is not None
    assert verify_webhook(secret, signed_headers(secret), BODY, seen=seen) is None


def test_during_rotation_either_signature_may_match() -> None:
    old, new = new_secret(), new_secret()
    headers = signed_headers(old)
    headers["webhook-signature"] = (
        f"{signed_headers(new)['webhook-signature']} {headers['webhook-signature']}"
    )
    assert verify_webhook(old, headers, BODY) is not None
    assert verify_webhook(new, headers, BODY) is not None


def test_seen_ids_forget_the_oldest_beyond_capacity() -> None:
    seen = SeenIds(capacity=2)
    assert seen.add("a") and seen.add("b") and seen.add("c")
    assert seen.add("a")  # forgotten
    assert not seen.add("c")

"""Webhook signatures (Standard Webhooks): HMAC-SHA256 of id.timestamp.body, fresh timestamps."""

from __future__ import annotations

import base64

import pytest

from services.notification.signing import TOLERANCE_S, new_secret, sign, verify

# The published Standard Webhooks test vector: a receiver's stock library must accept our output.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_standard_webhooks_test_vector() -> None:
    assert sign(SECRET, MESSAGE_ID, TIMESTAMP, BODY) == SIGNATURE


def test_verify_accepts_its_own_signature() -> None:
    header = sign(SECRET, MESSAGE_ID, TIMESTAMP, BODY)
    assert verify(SECRET, MESSAGE_ID, TIMESTAMP, BODY, header, now=TIMESTAMP)


def test_verify_accepts_a_fresh_secret_round_trip() -> None:
    secret = new_secret()
    header = sign(secret, "msg_1", 1_700_000_000, b"{}")
    assert verify(secret, "msg_1", 1_700_000_000, b"{}", header, now=1_700_000_000)


def test_verify_rejects_a_tampered_body() -> None:
    assert not verify(SECRET, MESSAGE_ID, TIMESTAMP, b'{"test": 2432232315}', SIGNATURE, TIMESTAMP)


def test_verify_rejects_another_message_id() -> None:
    assert not verify(SECRET, "msg_other", TIMESTAMP, BODY, SIGNATURE, now=TIMESTAMP)


def test_verify_rejects_a_changed_timestamp_even_when_still_fresh() -> None:
    assert not verify(SECRET, MESSAGE_ID, TIMESTAMP + 1, BODY, SIGNATURE, now=TIMESTAMP)


def test_verify_rejects_another_secret() -> None:
    other = "whsec_" + base64.b64encode(b"\x00" * 32).decode()
    assert not verify(other, MESSAGE_ID, TIMESTAMP, BODY, SIGNATURE, now=TIMESTAMP)


def test_the_tolerance_is_five_minutes() -> None:
    assert TOLERANCE_S == 300


@pytest.mark.parametrize("skew", [300, -300])
def test_verify_accepts_a_timestamp_exactly_at_the_tolerance(skew: int) -> None:
    assert verify(SECRET, MESSAGE_ID, TIMESTAMP, BODY, SIGNATURE, now=TIMESTAMP + skew)


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_verify_rejects_a_timestamp_beyond_the_tolerance(skew: int) -> None:
    # a positive skew is a replay of an old request; a negative one a timestamp from the future
    assert not verify(SECRET, MESSAGE_ID, TIMESTAMP, BODY, SIGNATURE, now=TIMESTAMP + skew)


def test_verify_accepts_a_header_listing_several_signatures_when_one_matches() -> None:
    # during secret rotation the sender signs with the old and the new key, space-separated
    header = f"v1,bm9wZQ== {SIGNATURE} v1,YWxzbyBub3Bl"
    assert verify(SECRET, MESSAGE_ID, TIMESTAMP, BODY, header, now=TIMESTAMP)


def test_verify_rejects_a_header_whose_signatures_all_differ() -> None:
    header = "v1,bm9wZQ== v1,YWxzbyBub3Bl"
    assert not verify(SECRET, MESSAGE_ID, TIMESTAMP, BODY, header, now=TIMESTAMP)


def test_verify_rejects_an_empty_header() -> None:
    assert not verify(SECRET, MESSAGE_ID, TIMESTAMP, BODY, "", now=TIMESTAMP)


def test_new_secrets_are_prefixed_32_random_bytes() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second

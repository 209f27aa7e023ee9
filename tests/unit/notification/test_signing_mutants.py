"""Standard Webhooks signatures: secret format, key decoding, several signatures in one header."""

from __future__ import annotations

import base64
import hashlib
import hmac

from services.notification.domain.signing import SECRET_PREFIX, TOLERANCE_S, new_secret, sign, verify

KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def _expected(message_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(KEY, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_new_secret_is_prefixed_base64_of_32_random_bytes() -> None:
    secret = new_secret()
    assert SECRET_PREFIX == "whsec_"
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[len("whsec_") :], validate=True)) == 32
    assert new_secret() != secret


def test_sign_is_hmac_sha256_of_id_timestamp_body_with_the_decoded_key() -> None:
    assert sign(SECRET, "msg_1", 1_700_000_000, b'{"a":1}') == _expected("msg_1", 1_700_000_000, b'{"a":1}')


def test_a_secret_without_the_prefix_is_the_same_key() -> None:
    bare = base64.b64encode(KEY).decode()
    assert sign(bare, "m", 1, b"x") == sign(SECRET, "m", 1, b"x")


def test_verify_accepts_any_of_several_space_separated_signatures() -> None:
    good = sign(SECRET, "m", 1000, b"x")
    header = "v1,AAAA " + good
    assert verify(SECRET, "m", 1000, b"x", header, now=1000)
    assert verify(SECRET, "m", 1000, b"x", good + " v1,AAAA", now=1000)
    assert not verify(SECRET, "m", 1000, b"x", "v1,AAAA v1,BBBB", now=1000)


def test_verify_refuses_a_stale_timestamp_even_with_a_good_signature() -> None:
    good = sign(SECRET, "m", 1000, b"x")
    assert verify(SECRET, "m", 1000, b"x", good, now=1000 + TOLERANCE_S)
    assert not verify(SECRET, "m", 1000, b"x", good, now=1000 + TOLERANCE_S + 1)
    assert verify(SECRET, "m", 1000, b"x", good, now=1000 - TOLERANCE_S)
    assert not verify(SECRET, "m", 1000, b"x", good, now=1000 - TOLERANCE_S - 1)

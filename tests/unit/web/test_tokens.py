"""Bearer tokens: exp and iat are required, the lifetime is bounded, a future iat is refused."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from shared.access import OrganisationKind
from shared.errors import Unauthenticated
from shared.settings import TEST_JWT_SECRET
from shared.web.auth import (
    AUDIENCE,
    CLI_DEFAULT_TTL_S,
    DEFAULT_MAX_LIFETIME_S,
    ISSUER,
    decode_token,
    issue_token,
)

SECRET = TEST_JWT_SECRET


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "client:finance",
        "org": "finance",
        "org_kind": "department",
        "scope": "funding:read",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def test_a_well_formed_token_is_accepted() -> None:
    principal = decode_token(sign(claims()), secret=SECRET)
    assert principal.org_code == "finance"
    assert principal.org_kind is OrganisationKind.DEPARTMENT


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "iss", "aud"])
def test_a_token_without_a_required_claim_is_refused(missing: str) -> None:
    with pytest.raises(Unauthenticated, match=missing):
        decode_token(sign(claims(**{missing: None})), secret=SECRET)


def test_a_token_that_never_expires_is_refused_in_production_mode_too() -> None:
    token = sign(claims(exp=None), secret="k3J9-not-a-placeholder-8f2a7c-production-key")
    with pytest.raises(Unauthenticated, match="exp"):
        decode_token(token, secret="k3J9-not-a-placeholder-8f2a7c-production-key")


def test_a_token_living_longer_than_the_maximum_is_refused() -> None:
    now = int(time.time())
    token = sign(claims(iat=now, exp=now + DEFAULT_MAX_LIFETIME_S + 1))
    with pytest.raises(Unauthenticated, match="lifetime"):
        decode_token(token, secret=SECRET)


def test_the_maximum_lifetime_is_configurable() -> None:
    now = int(time.time())
    token = sign(claims(iat=now, exp=now + 3600))
    decode_token(token, secret=SECRET, max_lifetime_s=3600)
    with pytest.raises(Unauthenticated, match="lifetime"):
        decode_token(token, secret=SECRET, max_lifetime_s=3599)


def test_a_token_issued_in_the_future_beyond_the_leeway_is_refused() -> None:
    now = int(time.time())
    with pytest.raises(Unauthenticated, match="iat"):
        decode_token(sign(claims(iat=now + 300, exp=now + 900)), secret=SECRET, leeway_s=60)


def test_a_small_clock_skew_on_iat_is_tolerated() -> None:
    now = int(time.time())
    decode_token(sign(claims(iat=now + 30, exp=now + 900)), secret=SECRET, leeway_s=60)


def test_an_expired_token_is_refused() -> None:
    now = int(time.time())
    with pytest.raises(Unauthenticated, match="expired"):
        decode_token(sign(claims(iat=now - 7200, exp=now - 3600)), secret=SECRET)


def test_a_non_numeric_iat_is_refused_not_a_crash() -> None:
    with pytest.raises(Unauthenticated):
        decode_token(sign(claims(iat="yesterday")), secret=SECRET)


def test_tokens_the_platform_issues_fit_the_maximum_lifetime() -> None:
    assert CLI_DEFAULT_TTL_S <= DEFAULT_MAX_LIFETIME_S
    token = issue_token(
        SECRET, org_code="finance", org_kind=OrganisationKind.DEPARTMENT, ttl_s=CLI_DEFAULT_TTL_S
    )
    assert decode_token(token, secret=SECRET).org_code == "finance"

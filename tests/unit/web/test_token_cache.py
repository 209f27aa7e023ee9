"""Verified tokens are remembered until their own `exp`, keyed by a hash, bounded in number."""

from __future__ import annotations

import time

import jwt
import pytest

from shared.access import OrganisationKind
from shared.errors import Unauthenticated
from shared.settings import TEST_JWT_SECRET
from shared.web import auth
from shared.web.auth import TokenCache, issue_token

OPTIONS = {"secret": TEST_JWT_SECRET, "max_lifetime_s": 24 * 3600, "leeway_s": 0}


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def district_token(ttl_s: int = 600) -> str:
    return issue_token(
        TEST_JWT_SECRET,
        org_code="zz-jinshui",
        org_kind=OrganisationKind.DISTRICT,
        district_code="zz-jinshui",
        ttl_s=ttl_s,
    )


def count_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: object, **kwargs: object) -> object:
        calls.append(token)
        return real(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(auth.jwt, "decode", counting)
    return calls


def test_a_verified_token_is_not_verified_again_while_it_lives(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = count_verifications(monkeypatch)
    cache = TokenCache()
    token = district_token()
    first = cache.verify(token, **OPTIONS)
    second = cache.verify(token, **OPTIONS)
    assert first == second and first.org_code == "zz-jinshui"
    assert len(calls) == 1


def test_the_cache_keeps_a_hash_of_the_token_never_the_token() -> None:
    cache = TokenCache()
    token = district_token()
    cache.verify(token, **OPTIONS)
    keys = list(cache._entries)
    assert keys == [TokenCache.key(token)]
    assert token.encode() not in keys and len(keys[0]) == 32


def test_an_expired_cached_token_is_refused() -> None:
    cache = TokenCache()
    token = district_token(ttl_s=1)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert cache.verify(token, **OPTIONS).org_code == "zz-jinshui"
    assert cache.get(token) is not None
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    with pytest.raises(Unauthenticated, match="expired"):
        cache.verify(token, **OPTIONS)
    assert len(cache) == 0


def _principal():  # type: ignore[no-untyped-def]
    return auth.decode_token(district_token(), **OPTIONS)


def test_a_token_is_served_from_the_cache_up_to_but_not_at_its_expiry() -> None:
    token = district_token(ttl_s=120)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    clock = FakeClock(exp - 0.001)
    cache = TokenCache(clock=clock)
    cache.put(token, _principal(), exp)
    assert cache.get(token) is not None
    clock.now = exp
    assert cache.get(token) is None


def test_an_invalid_token_is_refused_every_time_and_never_cached() -> None:
    cache = TokenCache()
    forged = issue_token(
        "another-secret-0123456789abcdef0123", org_code="x", org_kind=OrganisationKind.DEPARTMENT
    )
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            cache.verify(forged, **OPTIONS)
    assert len(cache) == 0


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache = TokenCache(max_entries=2)
    a, b, c = (district_token(ttl_s=600 + i) for i in range(3))
    cache.verify(a, **OPTIONS)
    cache.verify(b, **OPTIONS)
    cache.get(a)  # a is now the most recently used
    cache.verify(c, **OPTIONS)
    assert len(cache) == 2
    assert cache.get(b) is None
    assert cache.get(a) is not None and cache.get(c) is not None

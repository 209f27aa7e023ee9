"""The JWKS token path (`JWT_JWKS_URL`): keys come from a real identity-provider stand-in on a
loopback port, tokens go through the real `authenticate` dependency of an app built by
`create_app`, and the app runs in the test's own event loop (httpx's ASGI transport), so a
blocking fetch would stall the loop the test watches.

Every server listens on 127.0.0.1; the app is reached in-process, never over the network.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shared.access import OrganisationKind
from shared.settings import TEST_JWT_SECRET
from shared.web.auth import AUDIENCE, ISSUER, issue_token
from shared.web.jwks import JwksKeys
from tests.support.servers import RunningServer, serve
from tests.unit.web.app_under_test import build

ENGLISH = {"Accept-Language": "en"}


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Signer:
    """A private key and the public JWK an identity provider would publish for it."""

    def __init__(self, kid: str, curve: bool = False) -> None:
        self.kid = kid
        if curve:
            self.private: Any = ec.generate_private_key(ec.SECP256R1())
            self.algorithm = "ES256"
            self.jwk: dict[str, Any] = jwt.algorithms.ECAlgorithm.to_jwk(
                self.private.public_key(), as_dict=True
            )
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.algorithm = "RS256"
            self.jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk.update(kid=kid, use="sig", alg=self.algorithm)

    def token(self, org: str = "zz-jinshui", kid: str | None = None, **extra: Any) -> str:
        now = int(time.time())
        claims = {
            "sub": f"client:{org}",
            "org": org,
            "org_kind": OrganisationKind.DISTRICT.value,
            "district": org,
            "scope": "registry:write",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 600,
            **extra,
        }
        return jwt.encode(claims, self.private, algorithm=self.algorithm, headers={"kid": kid or self.kid})


class IdentityProvider:
    """Serves a JWKS document on 127.0.0.1; counts requests; can be slow or failing on demand."""

    def __init__(self, *signers: Signer) -> None:
        self.publish(*signers)
        self.requests = 0
        self.delay_s = 0.0
        self.status = 200
        self.server: RunningServer | None = None

    def publish(self, *signers: Signer) -> None:
        self.document: dict[str, Any] = {"keys": [signer.jwk for signer in signers]}

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.server.url}/.well-known/jwks.json"

    async def _jwks(self, request: Request) -> Response:
        self.requests += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.status != 200:
            return Response("identity provider unavailable", status_code=self.status)
        return JSONResponse(self.document)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/.well-known/jwks.json", self._jwks)])


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """httpx honours proxy variables; without them a loopback URL goes to the loopback server only."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture(scope="module")
def first() -> Signer:
    return Signer("key-2026-01")


@pytest.fixture(scope="module")
def second() -> Signer:
    return Signer("key-2026-07")


@pytest.fixture(scope="module")
def stranger() -> Signer:
    return Signer("never-published")


@pytest.fixture
async def provider(first: Signer) -> AsyncIterator[IdentityProvider]:
    idp = IdentityProvider(first)
    idp.server = await serve(idp.app())
    assert idp.server.url.startswith("http://127.0.0.1:")
    try:
        yield idp
    finally:
        await idp.server.stop()


def service(provider: IdentityProvider, keys: JwksKeys | None = None) -> FastAPI:
    app = build(jwt_jwks_url=provider.url)
    if keys is not None:
        app.state.jwks_keys = keys
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.invalid")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **ENGLISH}


async def assert_refused(http: httpx.AsyncClient, token: str, reason: str) -> None:
    response = await http.get("/notes/1", headers=bearer(token))
    assert response.status_code == 401, response.text
    problem = response.json()
    assert problem["type"].endswith("/unauthenticated")
    assert reason in problem["detail"], problem["detail"]


async def test_a_token_signed_with_a_published_key_authenticates(
    provider: IdentityProvider, first: Signer
) -> None:
    app = service(provider)
    async with client(app) as http:
        response = await http.get("/notes/7", headers=bearer(first.token()))
        assert response.status_code == 200, response.text
        assert response.json() == {"text": "7 for zz-jinshui"}
        created = await http.post("/notes", json={"text": "hi"}, headers=bearer(first.token(org="zz-erqi")))
        assert created.status_code == 201, created.text
    # the key source was made on first use, for this app and this URL; one fetch served both tokens
    assert isinstance(app.state.jwks_keys, JwksKeys) and app.state.jwks_keys.url == provider.url
    assert provider.requests == 1


async def test_an_es256_key_verifies_too(provider: IdentityProvider) -> None:
    curve = Signer("ec-1", curve=True)
    provider.publish(curve)
    async with client(service(provider)) as http:
        response = await http.get("/notes/1", headers=bearer(curve.token()))
    assert response.status_code == 200, response.text


async def test_a_verified_token_is_not_looked_up_again(provider: IdentityProvider, first: Signer) -> None:
    clock = FakeClock()
    keys = JwksKeys(provider.url, clock=clock, max_age_s=3600)
    token = first.token()
    async with client(service(provider, keys)) as http:
        assert (await http.get("/notes/1", headers=bearer(token))).status_code == 200
        provider.status = 503  # the token cache answers; neither the key set nor its age is consulted
        clock.now += 7200
        assert (await http.get("/notes/1", headers=bearer(token))).status_code == 200
    assert provider.requests == 1


async def test_a_wrong_signature_is_401_naming_why(provider: IdentityProvider, first: Signer) -> None:
    impostor = Signer(first.kid)  # claims the published kid, signs with another key
    async with client(service(provider)) as http:
        await assert_refused(http, impostor.token(), "Signature verification failed")


async def test_an_unknown_kid_is_401_naming_the_kid(provider: IdentityProvider) -> None:
    stranger = Signer("not-published")
    async with client(service(provider)) as http:
        await assert_refused(http, stranger.token(), "no key with kid 'not-published'")


async def test_a_token_without_kid_or_with_another_algorithm_is_401_without_a_fetch(
    provider: IdentityProvider, first: Signer
) -> None:
    no_kid = jwt.encode(
        jwt.decode(first.token(), options={"verify_signature": False}), first.private, "RS256"
    )
    hs256 = issue_token(TEST_JWT_SECRET, org_code="finance", org_kind=OrganisationKind.DEPARTMENT)
    async with client(service(provider)) as http:
        await assert_refused(http, no_kid, "names no signing key (kid)")
        await assert_refused(http, hs256, "the algorithm 'HS256' is not accepted")
        await assert_refused(http, "not.a.token", "invalid bearer token")
    assert provider.requests == 0


async def test_a_published_key_verifies_only_in_its_own_algorithm(
    provider: IdentityProvider, first: Signer
) -> None:
    # an ES256 token naming the RSA key's kid is checked against RS256 only, and refused
    curve = Signer(first.kid, curve=True)
    async with client(service(provider)) as http:
        await assert_refused(http, curve.token(), "The specified alg value is not allowed")
    assert provider.requests == 1


async def test_twenty_concurrent_unknown_kids_cost_one_fetch_per_interval(
    provider: IdentityProvider, stranger: Signer
) -> None:
    clock = FakeClock()
    keys = JwksKeys(provider.url, clock=clock, min_interval_s=30)
    provider.delay_s = 0.2  # all twenty arrive while the one fetch is under way
    tokens = [stranger.token(kid=f"made-up-{n}") for n in range(20)]
    async with client(service(provider, keys)) as http:
        answers = await asyncio.gather(*(http.get("/notes/1", headers=bearer(t)) for t in tokens))
        assert [a.status_code for a in answers] == [401] * 20
        assert provider.requests == 1
        # later within the interval: still no second fetch
        clock.now += 29
        await assert_refused(http, stranger.token(kid="made-up-late"), "no key with kid 'made-up-late'")
        assert provider.requests == 1
        # once the interval has passed, an unknown kid may fetch again (once)
        clock.now += 1
        await asyncio.gather(
            *(http.get("/notes/1", headers=bearer(stranger.token(kid=f"again-{n}"))) for n in range(5))
        )
        assert provider.requests == 2


async def test_requests_arriving_during_a_fetch_wait_for_it_and_share_it(
    provider: IdentityProvider, first: Signer, stranger: Signer
) -> None:
    provider.delay_s = 0.3
    mixed = [first.token(org=f"zz-{n}") if n % 2 else stranger.token(kid=f"made-up-{n}") for n in range(20)]
    async with client(service(provider)) as http:
        answers = await asyncio.gather(*(http.get("/notes/1", headers=bearer(t)) for t in mixed))
    # the published key's tokens waited for the one fetch and verified; the others were refused
    assert [a.status_code for a in answers] == [200 if n % 2 else 401 for n in range(20)]
    assert provider.requests == 1


async def test_a_caller_that_gives_up_does_not_cancel_the_fetch_others_wait_for(
    provider: IdentityProvider, first: Signer
) -> None:
    provider.delay_s = 0.3
    keys = JwksKeys(provider.url)
    impatient = asyncio.create_task(keys.key_for(first.token()))
    await asyncio.sleep(0.1)
    patient = asyncio.create_task(keys.key_for(first.token(org="zz-erqi")))
    await asyncio.sleep(0.05)
    impatient.cancel()
    key = await patient
    assert key.key_id == first.kid and impatient.cancelled()
    assert provider.requests == 1


async def test_a_rotated_key_is_accepted_once_the_interval_has_passed(
    provider: IdentityProvider, first: Signer, second: Signer
) -> None:
    clock = FakeClock()
    keys = JwksKeys(provider.url, clock=clock, min_interval_s=30)
    async with client(service(provider, keys)) as http:
        assert (await http.get("/notes/1", headers=bearer(first.token()))).status_code == 200
        provider.publish(second)  # the provider rotates: the new key in, the old one withdrawn
        clock.now += 10
        await assert_refused(http, second.token(), f"no key with kid '{second.kid}'")
        assert provider.requests == 1
        clock.now += 20
        response = await http.get("/notes/1", headers=bearer(second.token()))
        assert response.status_code == 200, response.text
        assert provider.requests == 2
        # the withdrawn key no longer verifies new tokens
        await assert_refused(http, first.token(org="zz-erqi"), f"no key with kid '{first.kid}'")
    assert keys.kids == {second.kid}


async def test_the_key_set_is_fetched_again_after_its_maximum_age(
    provider: IdentityProvider, first: Signer, second: Signer
) -> None:
    clock = FakeClock()
    keys = JwksKeys(provider.url, clock=clock, max_age_s=3600)
    async with client(service(provider, keys)) as http:
        assert (await http.get("/notes/1", headers=bearer(first.token()))).status_code == 200
        provider.publish(first, second)
        clock.now += 3599
        assert (await http.get("/notes/1", headers=bearer(first.token(org="zz-erqi")))).status_code == 200
        assert provider.requests == 1 and keys.kids == {first.kid}
        clock.now += 1  # known kid, but the set is an hour old: fetched again before answering
        assert (
            await http.get("/notes/1", headers=bearer(first.token(org="zz-zhongyuan")))
        ).status_code == 200
        assert provider.requests == 2 and keys.kids == {first.kid, second.kid}


async def test_a_slow_identity_provider_does_not_block_the_event_loop(
    provider: IdentityProvider, first: Signer
) -> None:
    provider.delay_s = 1.0
    ticks: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    async with client(service(provider)) as http:
        beat = asyncio.create_task(ticker())
        started = time.monotonic()
        response = await http.get("/notes/1", headers=bearer(first.token()))
        elapsed = time.monotonic() - started
        done.set()
        await beat
    assert response.status_code == 200, response.text
    assert elapsed >= 0.9  # the request did wait for the slow fetch ...
    gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) >= 20 and max(gaps) < 0.5  # ... while the loop kept running other coroutines


@pytest.mark.parametrize("failure", ["status", "timeout", "oversized", "not-a-key-set"])
async def test_a_failed_fetch_keeps_the_keys_held(
    provider: IdentityProvider, first: Signer, second: Signer, failure: str
) -> None:
    clock = FakeClock()
    keys = JwksKeys(provider.url, clock=clock, timeout_s=0.5, max_bytes=64 * 1024, max_age_s=3600)
    async with client(service(provider, keys)) as http:
        assert (await http.get("/notes/1", headers=bearer(first.token()))).status_code == 200
        if failure == "status":
            provider.status = 503
        elif failure == "timeout":
            provider.delay_s = 2.0
        elif failure == "oversized":
            provider.publish(*[first] * 200)
        else:
            provider.document = {"keys": [{"kty": "oct", "k": "c2VjcmV0", "alg": "HS256", "kid": "sym"}]}
        clock.now += 3600  # stale: the next token makes the key source try again, and it fails
        response = await http.get("/notes/1", headers=bearer(first.token(org="zz-erqi")))
        assert response.status_code == 200, response.text
        assert provider.requests == 2 and keys.kids == {first.kid} and keys.last_error
        clock.now += 30  # an unknown kid: another failed try, then a 401 that says the fetch failed
        await assert_refused(http, second.token(), "its last fetch failed")
        assert provider.requests == 3


async def test_with_no_key_set_at_all_a_token_is_401_not_500(
    provider: IdentityProvider, first: Signer
) -> None:
    provider.status = 500
    async with client(service(provider)) as http:
        await assert_refused(http, first.token(), "its last fetch failed: HTTP 500")

"""The shared web layer on a real running service (PostgreSQL, Kafka, uvicorn on loopback):
oversized bodies are refused with a 413 problem and write nothing; a token without `exp` or
`iat` is refused; responses carry the security headers; the docs load from the service itself."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import jwt

from shared.settings import TEST_JWT_SECRET
from tests.support import tokens
from tests.support.db import scalar
from tests.support.factories import community_body

PROBLEM = "application/problem+json"
MiB = 1024 * 1024


async def _communities(platform) -> int:  # type: ignore[no-untyped-def]
    return int(await scalar(platform.database_url("registry"), "SELECT count(*) FROM community"))


async def _streamed(body: bytes, chunk: int = 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), chunk):
        yield body[start : start + chunk]


def _oversized_community(size: int) -> bytes:
    return json.dumps(community_body(residents_committee="x" * size)).encode()


async def test_a_large_post_is_refused_with_a_413_problem_and_nothing_is_written(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    body = _oversized_community(100 * MiB)
    response = await registry.post("/communities", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/content-too-large")
    assert await _communities(platform) == 0


async def test_a_large_chunked_post_is_counted_and_refused(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    response = await registry.post(
        "/communities",
        content=_streamed(_oversized_community(3 * MiB)),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert await _communities(platform) == 0


async def test_a_token_without_expiry_is_refused_by_a_running_service(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    now = int(time.time())
    claims = {
        "sub": "client:zz-jinshui",
        "org": "zz-jinshui",
        "org_kind": "district",
        "district": "zz-jinshui",
        "scope": "registry:read registry:write",
        "iss": "renovation-platform",
        "aud": "renovation-platform",
        "iat": now,
    }
    forever = platform.client(
        "registry", tokens.bearer(jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256"))
    )
    response = await forever.get("/projects")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert "exp" in response.json()["detail"]


async def test_responses_carry_security_headers_and_the_docs_are_local(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    for path in ("/healthz", "/projects", "/nowhere"):
        response = await registry.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
        assert "access-control-allow-origin" not in response.headers
    docs = await registry.get("/docs")
    assert docs.status_code == 200 and "http://" not in docs.text and "https://" not in docs.text
    assert (await registry.get("/docs/assets/swagger-ui-bundle.js")).status_code == 200
    spec = (await registry.get("/openapi.json")).json()
    assert "ProblemDetails" in spec["components"]["schemas"]

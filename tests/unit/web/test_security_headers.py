"""Every response carries the security headers; CORS is closed unless origins are configured."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shared.web.security_headers import API_CSP
from tests.unit.web.app_under_test import build


@pytest.mark.parametrize("path", ["/healthz", "/notes/1", "/nowhere", "/openapi.json"])
def test_api_responses_carry_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == API_CSP
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_the_docs_page_gets_a_csp_that_lets_its_own_assets_load(client: TestClient) -> None:
    response = client.get("/docs")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "http" not in csp  # no other host is allowed


def test_cors_is_closed_by_default(client: TestClient) -> None:
    response = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/notes", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_the_configured_origins() -> None:
    client = TestClient(build(cors_allowed_origins=["https://portal.city.example"]))
    allowed = client.get("/healthz", headers={"Origin": "https://portal.city.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://portal.city.example"
    other = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers

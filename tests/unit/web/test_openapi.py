"""The OpenAPI document lists every problem response; the docs pages load nothing from elsewhere."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("path", "method"), [("/notes", "post"), ("/notes/{note_id}", "get"), ("/imports/spreadsheet", "post")]
)
def test_authenticated_operations_document_every_problem(
    spec: dict[str, Any], path: str, method: str
) -> None:
    responses = spec["paths"][path][method]["responses"]
    for status in ("401", "403", "404", "409", "413", "422", "429"):
        schema = responses[status]["content"][PROBLEM]["schema"]
        assert schema == {"$ref": "#/components/schemas/ProblemDetails"}
    assert "Retry-After" in responses["429"]["headers"]
    assert "WWW-Authenticate" in responses["401"]["headers"]


def test_the_problem_schema_is_defined_and_fastapis_unused_one_is_gone(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert set(schemas["ProblemDetails"]["required"]) == {"type", "title", "status", "detail", "instance"}
    assert "HTTPValidationError" not in schemas


def test_metrics_are_declared_as_text(spec: dict[str, Any]) -> None:
    content = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain"]


def test_readiness_documents_its_503(spec: dict[str, Any]) -> None:
    assert "503" in spec["paths"]["/readyz"]["get"]["responses"]


def test_operations_without_a_token_do_not_claim_401(spec: dict[str, Any]) -> None:
    assert "401" not in spec["paths"]["/healthz"]["get"]["responses"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_reference_no_other_host(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"']+", html)
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert asset.startswith("/"), asset
        if asset != "/openapi.json":
            assert client.get(asset).status_code == 200, asset


def test_every_reference_in_the_document_resolves(spec: dict[str, Any]) -> None:
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs, "the document has references"
    assert refs <= set(spec["components"]["schemas"]), refs - set(spec["components"]["schemas"])

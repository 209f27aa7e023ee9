"""Request bodies over the limit are refused with a 413 problem, declared or streamed."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from tests.unit.web.app_under_test import build

PROBLEM = "application/problem+json"


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield b'{"text": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


def test_a_body_over_the_default_limit_is_a_413_problem(client: TestClient, district: dict[str, str]) -> None:
    response = client.post("/notes", json={"text": "x" * (1024 * 1024 + 1)}, headers=district)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 413
    assert body["type"].endswith("/content-too-large")
    assert "1048576" in body["detail"]


def test_a_streamed_body_without_content_length_is_counted(
    client: TestClient, district: dict[str, str]
) -> None:
    response = client.post(
        "/notes",
        content=_chunks(2 * 1024 * 1024),
        headers={**district, "content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/content-too-large")


def test_the_limit_is_checked_before_authentication(client: TestClient) -> None:
    response = client.post(
        "/notes", content=b"x" * (1024 * 1024 + 10), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_a_body_under_the_limit_is_served(client: TestClient, district: dict[str, str]) -> None:
    response = client.post("/notes", json={"text": "x" * 500_000}, headers=district)
    assert response.status_code == 201


def test_the_limit_comes_from_settings() -> None:
    client = TestClient(build(max_body_bytes=1000), raise_server_exceptions=False)
    assert client.post("/notes", json={"text": "x" * 1000}).status_code == 413


def test_a_path_prefix_may_have_a_larger_limit(district: dict[str, str]) -> None:
    client = TestClient(
        build(body_limit_overrides={"/imports": 4 * 1024 * 1024}), raise_server_exceptions=False
    )
    big = {"rows": "x" * (2 * 1024 * 1024)}
    assert client.post("/imports/spreadsheet", json=big, headers=district).status_code == 202
    assert client.post("/notes", json={"text": big["rows"]}, headers=district).status_code == 413

"""Unknown body fields and malformed JSON are 422 problems that name the field and the rule."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _errors(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


def test_each_unknown_field_is_named(client: TestClient, district: dict[str, str]) -> None:
    response = client.post("/notes", json={"text": "a", "priorty": 2, "colour": "red"}, headers=district)
    assert sorted(_errors(response)) == [("colour", "extra_forbidden"), ("priorty", "extra_forbidden")]
    assert "priorty" in response.json()["errors"][0]["message"] + response.json()["errors"][1]["message"]


def test_an_unknown_nested_field_is_named_by_its_path(client: TestClient, district: dict[str, str]) -> None:
    response = client.post(
        "/notes", json={"text": "a", "address": {"street": "x", "zip": 1}}, headers=district
    )
    assert _errors(response) == [("address.zip", "extra_forbidden")]


def test_malformed_json_names_the_body_not_a_byte_offset(
    client: TestClient, district: dict[str, str]
) -> None:
    response = client.post(
        "/notes", content=b'{"text": "a",,}', headers={**district, "content-type": "application/json"}
    )
    assert _errors(response) == [("body", "json_invalid")]
    assert "not valid JSON" in response.json()["errors"][0]["message"]


def test_an_unexpected_error_is_a_500_problem_with_security_headers(client: TestClient) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_body_that_is_not_text_is_named_like_malformed_json(
    client: TestClient, district: dict[str, str]
) -> None:
    response = client.post(
        "/notes", content=b"\xff\xfe\x00\x9c", headers={**district, "content-type": "application/json"}
    )
    assert _errors(response) == [("body", "json_invalid")]


def test_a_wrong_method_lists_every_method_of_the_path_in_allow(client: TestClient) -> None:
    response = client.put("/notes")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["allow"] == "GET, POST"

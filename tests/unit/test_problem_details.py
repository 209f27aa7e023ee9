"""Problem details (RFC 9457): every error is `application/problem+json`; no 500 leaks internals."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared.errors import ConflictError, FieldProblem, NotFoundError, RuleViolation
from shared.web.problems import install_problem_handlers

PROBLEMS = "https://renovation.city.example/problems/"


class Address(BaseModel):
    street: str


class ProjectIn(BaseModel):
    name: str
    investment_fen: int = Field(ge=0)
    address: Address | None = None


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/projects")
    async def create(body: ProjectIn) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/projects")
    async def search(limit: int = 10) -> dict[str, int]:
        return {"limit": limit}

    @app.get("/missing")
    async def missing() -> None:
        raise NotFoundError("no project 42")

    @app.post("/conflict")
    async def conflict() -> None:
        raise ConflictError(
            "a project in stage 'surveyed' cannot move to 'planned'",
            [FieldProblem("to_stage", "lifecycle_order", "expected 'consulted'")],
        )

    @app.post("/rule")
    async def rule() -> None:
        raise RuleViolation("acceptance needs the date")

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(make_app(), raise_server_exceptions=False)


def problem(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


class TestValidation:
    def test_a_broken_rule_is_a_422_naming_the_field_and_the_rule(self, client: TestClient) -> None:
        response = client.post("/projects", json={"name": "x", "investment_fen": -1})
        assert response.status_code == 422
        body = problem(response)
        assert body["type"] == PROBLEMS + "validation"
        assert body["status"] == 422
        assert body["instance"] == "/projects"
        assert [(e["field"], e["rule"]) for e in body["errors"]] == [("investment_fen", "greater_than_equal")]
        assert body["errors"][0]["message"]

    def test_every_broken_field_is_listed(self, client: TestClient) -> None:
        response = client.post("/projects", json={"investment_fen": "lots"})
        errors = {(e["field"], e["rule"]) for e in problem(response)["errors"]}
        assert errors == {("name", "missing"), ("investment_fen", "int_parsing")}

    def test_a_nested_field_is_named_by_its_dotted_path(self, client: TestClient) -> None:
        response = client.post("/projects", json={"name": "x", "investment_fen": 1, "address": {"street": 7}})
        assert [(e["field"], e["rule"]) for e in problem(response)["errors"]] == [
            ("address.street", "string_type")
        ]

    def test_a_missing_body_is_named_body(self, client: TestClient) -> None:
        response = client.post("/projects")
        assert response.status_code == 422
        assert [(e["field"], e["rule"]) for e in problem(response)["errors"]] == [("body", "missing")]

    def test_a_query_parameter_is_named_without_its_location(self, client: TestClient) -> None:
        response = client.get("/projects", params={"limit": "many"})
        assert response.status_code == 422
        assert [(e["field"], e["rule"]) for e in problem(response)["errors"]] == [("limit", "int_parsing")]


class TestProblemErrors:
    def test_not_found_is_a_404(self, client: TestClient) -> None:
        response = client.get("/missing")
        assert response.status_code == 404
        assert problem(response) == {
            "type": PROBLEMS + "not-found",
            "title": "Not found",
            "status": 404,
            "detail": "no project 42",
            "instance": "/missing",
        }

    def test_a_conflict_is_a_409_with_its_field_problems(self, client: TestClient) -> None:
        response = client.post("/conflict")
        assert response.status_code == 409
        body = problem(response)
        assert body["type"] == PROBLEMS + "conflict"
        assert body["title"] == "Conflict"
        assert body["errors"] == [
            {"field": "to_stage", "rule": "lifecycle_order", "message": "expected 'consulted'"}
        ]

    def test_a_rule_violation_is_a_422(self, client: TestClient) -> None:
        response = client.post("/rule")
        assert response.status_code == 422
        body = problem(response)
        assert body["type"] == PROBLEMS + "rule-violation"
        assert body["detail"] == "acceptance needs the date"
        assert "errors" not in body  # no field problems, no empty list


class TestHttpErrors:
    def test_an_unknown_path_is_a_404_problem(self, client: TestClient) -> None:
        response = client.get("/nowhere")
        assert response.status_code == 404
        assert problem(response)["type"] == PROBLEMS + "http-404"

    def test_a_wrong_method_is_a_405_problem_that_keeps_the_allow_header(self, client: TestClient) -> None:
        response = client.delete("/missing")
        assert response.status_code == 405
        assert problem(response)["status"] == 405
        assert response.headers["allow"] == "GET"


class TestUnexpectedErrors:
    def test_an_unexpected_exception_is_a_500_problem(self, client: TestClient) -> None:
        response = client.get("/crash")
        assert response.status_code == 500
        body = problem(response)
        assert body["type"] == PROBLEMS + "internal"
        assert body["title"] == "Internal error"
        assert body["instance"] == "/crash"

    def test_the_500_reveals_nothing_about_the_failure(self, client: TestClient) -> None:
        text = client.get("/crash").text
        for leak in ("Traceback", "RuntimeError", "hunter2", "db.internal", ".py"):
            assert leak not in text

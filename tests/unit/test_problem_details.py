"""Problem details (RFC 9457): every error is `application/problem+json`; no 500 leaks internals."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError

from shared.errors import ConflictError, FieldProblem, NotFoundError, RuleViolation
from shared.web.middleware import UnexpectedErrorMiddleware
from shared.web.problems import install_problem_handlers, outage

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

    @app.get("/database-away")
    async def database_away() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("db.internal:5432 refused"))

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    """A machine client: it asks for English (the default for people is Simplified Chinese)."""
    return TestClient(make_app(), raise_server_exceptions=False, headers={"Accept-Language": "en"})


@pytest.fixture(scope="module")
def person() -> TestClient:
    """A client that sends no Accept-Language, like a person's script or curl."""
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


class TestOutage:
    """A database or broker outage is not the request's fault: 503 with Retry-After, never a 500."""

    def test_an_outage_is_a_503_problem_with_retry_after(self, client: TestClient) -> None:
        response = client.get("/database-away")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        body = problem(response)
        assert (body["type"], body["title"]) == (PROBLEMS + "service-unavailable", "Service unavailable")
        assert "Idempotency-Key" in body["detail"]
        assert "db.internal" not in response.text

    def test_a_person_reads_it_in_chinese(self, person: TestClient) -> None:
        body = problem(person.get("/database-away"))
        assert body["title"] == "服务暂不可用" and "未写入任何数据" in body["detail"]

    def test_the_middleware_answers_an_outage_the_same_way_and_other_errors_with_a_500(self) -> None:
        async def away(scope: Any, receive: Any, send: Any) -> None:
            raise OperationalError("SELECT 1", {}, ConnectionResetError("server closed the connection"))

        async def broken(scope: Any, receive: Any, send: Any) -> None:
            raise KeyError("a bug")

        outage = TestClient(UnexpectedErrorMiddleware(away), headers={"Accept-Language": "en"})
        response = outage.get("/anything")
        assert (response.status_code, response.headers["retry-after"]) == (503, "5")
        assert problem(response)["type"] == PROBLEMS + "service-unavailable"
        bug = TestClient(UnexpectedErrorMiddleware(broken), headers={"Accept-Language": "en"})
        assert bug.get("/anything").status_code == 500

    def test_only_connection_and_database_failures_count_as_an_outage(self) -> None:
        assert outage(OperationalError("SELECT 1", {}, OSError("gone")))
        assert outage(ConnectionRefusedError("refused")) and outage(TimeoutError("pool"))
        assert not outage(FileNotFoundError("fonts/NotoSansCJK.ttc"))
        assert not outage(RuntimeError("a bug"))


class TestLanguage:
    def test_without_accept_language_title_detail_and_messages_are_simplified_chinese(
        self, person: TestClient
    ) -> None:
        response = person.post("/conflict")
        body = problem(response)
        assert response.headers["content-language"] == "zh-CN"
        assert body["title"] == "与现有数据冲突"
        assert body["detail"].startswith("请求与已保存的数据状态冲突")
        assert body["errors"] == [
            {
                "field": "to_stage",
                "rule": "lifecycle_order",
                "message": "改造流程须按本项目计划规定的顺序推进。（expected 'consulted'）",
            }
        ]

    def test_type_status_field_and_rule_do_not_change_with_the_language(
        self, client: TestClient, person: TestClient
    ) -> None:
        english, chinese = problem(client.post("/conflict")), problem(person.post("/conflict"))
        for member in ("type", "status", "instance"):
            assert english[member] == chinese[member]
        assert [(e["field"], e["rule"]) for e in english["errors"]] == [
            (e["field"], e["rule"]) for e in chinese["errors"]
        ]
        assert english["title"] != chinese["title"]

    def test_the_highest_weighted_supported_language_wins(self, person: TestClient) -> None:
        response = person.get("/missing", headers={"Accept-Language": "fr-FR, en;q=0.9, zh-CN;q=0.8"})
        assert response.headers["content-language"] == "en"
        assert problem(response)["title"] == "Not found"

    def test_a_chinese_browser_gets_chinese_specifics_kept(self, person: TestClient) -> None:
        response = person.get("/missing", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
        body = problem(response)
        assert body["title"] == "未找到"
        assert body["detail"] == "记录不存在，或调用方无权查看。（no project 42）"

    def test_validation_messages_are_translated_and_vary_on_the_header(self, person: TestClient) -> None:
        response = person.post("/projects", json={"name": "x", "investment_fen": -1})
        body = problem(response)
        assert body["title"] == "请求校验未通过"
        assert body["detail"] == "一个或多个字段无效。"
        assert body["errors"][0]["rule"] == "greater_than_equal"
        assert body["errors"][0]["message"].startswith("数值过小。")
        assert "Accept-Language" in response.headers["vary"]

    def test_a_framework_404_has_a_chinese_title(self, person: TestClient) -> None:
        body = problem(person.get("/nowhere"))
        assert body["type"] == PROBLEMS + "http-404"
        assert body["title"] == "未找到该地址"

    def test_the_500_in_chinese_still_reveals_nothing(self, person: TestClient) -> None:
        response = person.get("/crash")
        body = problem(response)
        assert body["title"] == "内部错误"
        for leak in ("Traceback", "RuntimeError", "hunter2", "db.internal", ".py"):
            assert leak not in response.text

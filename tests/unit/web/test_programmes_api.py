"""`GET /programmes` and `GET /programmes/{code}` on the registry app (no database needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from services.registry.main import create_registry_app
from services.registry.settings import RegistrySettings
from shared.policy import bundled_profiles, get_profile
from tests.support import tokens


@pytest.fixture(scope="module")
def registry() -> TestClient:
    settings = RegistrySettings(environment="test")
    app = create_registry_app(settings)
    app.state.runtime = SimpleNamespace(settings=settings)
    return TestClient(app, raise_server_exceptions=False)


def test_every_bundled_programme_is_listed_with_its_document(registry: TestClient) -> None:
    response = registry.get("/programmes", headers=tokens.utility())
    assert response.status_code == 200
    listed = {p["code"]: p for p in response.json()}
    assert set(listed) == set(bundled_profiles())
    zz = listed["zhengzhou-2019"]
    assert zz["document_number"] == get_profile("zhengzhou-2019").document_number
    assert zz["rule_count"] > 10


def test_a_programme_answers_its_rules_each_with_a_clause(registry: TestClient) -> None:
    response = registry.get("/programmes/zhengzhou-2019", headers=tokens.district())
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "zhengzhou-2019"
    assert len(body["citations"]) == body["rule_count"]
    assert all(c["clause"] for c in body["citations"])
    by_path = {c["path"]: c for c in body["citations"]}
    award = get_profile("zhengzhou-2019").funding.award  # type: ignore[union-attr]
    assert by_path["funding.award"]["clause"] == award.clause
    # the profile itself, with exact decimals as strings (never floats)
    assert body["profile"]["funding"]["award"]["clause"] == award.clause
    assert isinstance(body["profile"]["funding"]["award"]["ratio"], str)


def test_the_platform_readings_are_listed_for_the_office_to_confirm(registry: TestClient) -> None:
    from shared.policy import platform_readings

    kaifeng = get_profile("kaifeng-2019")
    body = registry.get("/programmes/kaifeng-2019", headers=tokens.office()).json()
    assert [r["path"] for r in body["platform_readings"]] == [r.path for r in platform_readings(kaifeng)]
    assert body["platform_readings"], "Kaifeng's profile marks at least one platform reading"


def test_an_unknown_programme_is_a_404_problem(registry: TestClient) -> None:
    response = registry.get("/programmes/atlantis-2020", headers=tokens.office())
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/not-found")


def test_programmes_need_a_token(registry: TestClient) -> None:
    assert registry.get("/programmes").status_code == 401
    assert registry.get("/programmes/zhengzhou-2019").status_code == 401


def test_the_openapi_documents_both_operations(registry: TestClient) -> None:
    paths = registry.get("/openapi.json").json()["paths"]
    read = paths["/programmes/{code}"]["get"]
    assert {"200", "401", "404"} <= set(read["responses"])
    assert "/programmes" in paths

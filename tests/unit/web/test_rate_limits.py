"""Rate limits: writes per organisation and failed authentications per client address, as 429
problems with Retry-After."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.support import tokens
from tests.unit.web.app_under_test import build


def _is_429_problem(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["type"].endswith("/too-many-requests")


def test_writes_over_the_limit_of_one_organisation_get_429(as_org: Callable[[str], dict[str, str]]) -> None:
    client = TestClient(build(rate_limit_writes="3/minute"))
    jinshui = as_org("zz-jinshui")
    statuses = [client.post("/notes", json={"text": "a"}, headers=jinshui).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    _is_429_problem(client.post("/notes", json={"text": "a"}, headers=jinshui))


def test_another_organisation_keeps_its_own_allowance(as_org: Callable[[str], dict[str, str]]) -> None:
    client = TestClient(build(rate_limit_writes="2/minute"))
    for _ in range(3):
        client.post("/notes", json={"text": "a"}, headers=as_org("zz-jinshui"))
    assert client.post("/notes", json={"text": "a"}, headers=as_org("zz-erqi")).status_code == 201


def test_reads_do_not_count_against_the_write_limit(as_org: Callable[[str], dict[str, str]]) -> None:
    client = TestClient(build(rate_limit_writes="1/minute"))
    jinshui = as_org("zz-jinshui")
    assert all(client.get("/notes/1", headers=jinshui).status_code == 200 for _ in range(5))
    assert client.post("/notes", json={"text": "a"}, headers=jinshui).status_code == 201


def test_repeated_authentication_failures_from_one_address_get_429() -> None:
    client = TestClient(build(rate_limit_auth_failures="3/minute"))
    forged = tokens.bearer(tokens.issue_token_with_secret("not-the-platform-secret-0123456789abcdef"))
    assert [client.get("/notes/1", headers=forged).status_code for _ in range(3)] == [401, 401, 401]
    _is_429_problem(client.get("/notes/1", headers=forged))
    # until the window moves on, even a valid token from that address waits
    _is_429_problem(client.get("/notes/1", headers=tokens.district()))


def test_limits_can_be_switched_off() -> None:
    client = TestClient(build(rate_limits_enabled=False, rate_limit_auth_failures="1/minute"))
    assert {client.get("/notes/1").status_code for _ in range(5)} == {401}

"""Bad input to the central-fund endpoints: a 4xx problem naming the field and the rule, and
nothing written (no allocation, no outbox row)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support import tokens
from tests.support.db import scalar

PROBLEM = "application/problem+json"
GOOD = {"programme_code": "kaifeng-2019", "amount_fen": 1_000}


def _fields(response: Any) -> dict[str, str]:
    assert response.headers["content-type"].startswith(PROBLEM), response.text
    return {e["field"]: e["rule"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {**GOOD, "amount_fen": 1.5, "listed_project_ids": ["00000000-0000-0000-0000-000000000001"]},
            "amount_fen",
        ),
        (
            {**GOOD, "amount_fen": -1, "listed_project_ids": ["00000000-0000-0000-0000-000000000001"]},
            "amount_fen",
        ),
        (
            {**GOOD, "amount_fen": 10**14, "listed_project_ids": ["00000000-0000-0000-0000-000000000001"]},
            "amount_fen",
        ),
        (
            {**GOOD, "amount_fen": "1000", "listed_project_ids": ["00000000-0000-0000-0000-000000000001"]},
            "amount_fen",
        ),
        ({**GOOD, "listed_project_ids": []}, "listed_project_ids"),
        ({**GOOD, "listed_project_ids": ["not-a-uuid"]}, "listed_project_ids.0"),
        ({**GOOD, "listed_project_ids": [str(uuid.uuid4()) for _ in range(1001)]}, "listed_project_ids"),
        (
            {**GOOD, "programme_code": "Kaifeng 2019", "listed_project_ids": [str(uuid.uuid4())]},
            "programme_code",
        ),
        ({**GOOD, "listed_project_ids": [str(uuid.uuid4())], "priority": "me"}, "priority"),
    ],
)
async def test_a_malformed_proposal_names_the_field_and_writes_nothing(platform, body, field) -> None:  # type: ignore[no-untyped-def]
    await platform.start("funding")
    housing = platform.client("funding", tokens.department("housing"))
    response = await housing.post("/central-allocations", json=body)
    assert response.status_code == 422
    assert field in _fields(response)
    url = platform.database_url("funding")
    assert await scalar(url, "SELECT count(*) FROM central_allocation") == 0
    assert await platform.announced("funding") == 0


async def test_domain_refusals_are_problems_in_chinese_by_default_and_english_on_request(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("funding")
    housing = platform.client("funding", tokens.department("housing"))
    unknown = {**GOOD, "listed_project_ids": [str(uuid.uuid4())]}
    response = await housing.post("/central-allocations", json=unknown)
    assert (response.status_code, _fields(response)) == (422, {"listed_project_ids.0": "known_project"})
    assert "资金系统中没有该项目" in response.text
    english = await housing.post("/central-allocations", json=unknown, headers={"Accept-Language": "en"})
    assert english.json()["title"] == "Domain rule violated"
    assert english.json()["errors"][0]["message"].startswith("funding has heard of no project")
    zhengzhou = await housing.post(
        "/central-allocations", json={**unknown, "programme_code": "zhengzhou-2019"}
    )
    assert _fields(zhengzhou) == {"programme_code": "has_central_funds"}
    candidates = await housing.get(
        "/central-allocations/candidates", params={"programme_code": "zhengzhou-2019"}
    )
    assert (candidates.status_code, _fields(candidates)) == (422, {"programme_code": "has_central_funds"})
    missing = await housing.post(f"/central-allocations/{uuid.uuid4()}/approval")
    assert missing.status_code == 403  # only Finance's scope reaches the approval
    finance = platform.client("funding", tokens.finance())
    assert (await finance.post(f"/central-allocations/{uuid.uuid4()}/approval")).status_code == 404
    assert (await finance.post("/central-allocations/not-a-uuid/approval")).status_code == 422
    assert await scalar(platform.database_url("funding"), "SELECT count(*) FROM central_allocation") == 0

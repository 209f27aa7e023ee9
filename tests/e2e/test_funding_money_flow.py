"""Zhengzhou 2019's money flow over real Kafka and PostgreSQL, every amount checked to the fen:
plan → acceptance (award on the accepted investment, 五(一)) → approval by Finance → a tranche →
final-accounts audit (SubsidyAdjusted with the signed difference) → the rest paid → ties out."""

from __future__ import annotations

from typing import Any

from shared.clock import shanghai_date, utcnow
from tests.support import tokens
from tests.support.db import scalar
from tests.support.factories import community_body
from tests.support.flows import accept_project, audit_project, register_project
from tests.support.servers import eventually

PLANNED, ACCEPTED, AUDITED = 600_000_00, 550_000_01, 530_000_03


async def test_plan_to_audit_true_up_and_tranches_tie_out_to_the_fen(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    funding = await platform.start("funding")
    project = await register_project(registry, investment_fen=PLANNED)
    await accept_project(registry, project["id"], audited_investment_fen=ACCEPTED)

    async def award() -> list[dict[str, Any]]:
        return (await funding.get("/awards", params={"project_id": project["id"]})).json()

    (proposed,) = await eventually(award)
    # 40% × 55 000 001 fen = 22 000 000.4 → 22 000 000 (half-up to the fen)
    assert (proposed["basis"], proposed["basis_fen"], proposed["amount_fen"]) == (
        "accepted_investment",
        ACCEPTED,
        22_000_000,
    )
    assert (await funding.post(f"/awards/{proposed['id']}/approval")).status_code == 200
    today = shanghai_date(utcnow()).isoformat()
    first = await funding.post(
        f"/awards/{proposed['id']}/tranches", json={"amount_fen": 15_000_000, "paid_on": today}
    )
    assert first.status_code == 201, first.text

    await audit_project(registry, project["id"], AUDITED)

    async def adjusted() -> dict[str, Any] | None:
        sheet = (await funding.get(f"/projects/{project['id']}/funding")).json()
        return sheet if sheet["adjustments"] else None

    sheet = await eventually(adjusted)
    # 40% × 53 000 003 fen = 21 200 001.2 → 21 200 001; the approval (22 000 000) is never edited
    (adjustment,) = sheet["adjustments"]
    assert (
        adjustment["previous_amount_fen"],
        adjustment["new_amount_fen"],
        adjustment["adjustment_fen"],
    ) == (
        22_000_000,
        21_200_001,
        -799_999,
    )
    assert sheet["award"]["amount_fen"] == 22_000_000
    assert (sheet["awarded_fen"], sheet["paid_fen"], sheet["outstanding_fen"]) == (
        21_200_001,
        15_000_000,
        6_200_001,
    )
    rest = await funding.post(
        f"/awards/{proposed['id']}/tranches", json={"amount_fen": 6_200_001, "paid_on": today}
    )
    assert rest.status_code == 201, rest.text
    over = await funding.post(f"/awards/{proposed['id']}/tranches", json={"amount_fen": 1, "paid_on": today})
    assert over.status_code == 422
    reconciliation = (await funding.get("/reconciliation")).json()
    assert reconciliation["ties_out"] is True
    (line,) = reconciliation["projects"]
    assert (line["awarded_fen"], line["paid_fen"], line["outstanding_fen"]) == (21_200_001, 21_200_001, 0)
    events = await scalar(
        platform.database_url("funding"),
        "SELECT string_agg(event_type, ',' ORDER BY id) FROM outbox_message",
    )
    assert [e for e in events.split(",") if e.startswith("funding.subsidy.")] == [
        "funding.subsidy.approved.v1",
        "funding.subsidy.disbursed.v1",
        "funding.subsidy.adjusted.v1",
        "funding.subsidy.disbursed.v1",
    ]
    # the plan as submitted and as approved, each announced once before any money moved
    assert events.split(",")[:2] == ["funding.investment.planned.v1"] * 2


async def test_a_self_funded_districts_project_gets_no_award_and_says_why(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    funding = await platform.start("funding")
    gongyi = platform.client("registry", tokens.district("zz-gongyi"))
    project = await register_project(gongyi, community_body(district_code="zz-gongyi"))
    await accept_project(gongyi, project["id"])

    async def reason() -> list[dict[str, Any]]:
        return (await funding.get("/no-awards", params={"project_id": project["id"]})).json()

    (row,) = await eventually(reason)
    assert row["reason"] == "not_in_award_area" and "self-funded" in row["detail"]
    assert (await funding.get("/awards", params={"project_id": project["id"]})).json() == []

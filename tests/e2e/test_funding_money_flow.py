"""Zhengzhou 2019's money flow over real Kafka and PostgreSQL, every amount checked to the fen:
plan → acceptance (award on the accepted investment, 五(一)) → approval by Finance → a tranche →
final-accounts audit (SubsidyAdjusted with the signed difference) → the rest paid → ties out →
property takeover → the district's property-service subsidy schedule (五(三)) → monthly payments →
arrears."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from shared.clock import shanghai_date, utcnow
from tests.support import tokens
from tests.support.factories import community_body, step_bodies
from tests.support.flows import accept_project, audit_project, register_project
from tests.support.servers import eventually

PLANNED, ACCEPTED, AUDITED = 600_000_00, 550_000_01, 530_000_03
ACCEPTED_ON, AUDITED_ON, TAKEN_OVER_ON = "2025-06-10", "2025-06-15", "2025-06-20"
# 五(三): at least 0.3 yuan = 30 fen per m² per month for at least 36 months. 30 × 25 000.55 m² =
# 750 016.5 fen a month; × 36 = 27 000 594 fen exactly. 27 000 594 = 36 × 750 016 + 18: the
# first 18 months carry one fen more (the remainder rule), the last 18 carry 750 016.
FLOOR_AREA, TOTAL, HIGH, LOW = "25000.55", 27_000_594, 750_017, 750_016
FIRST_MONTH = date(2025, 7, 1)  # the calendar month after takeover


async def test_plan_to_audit_true_up_tranches_and_property_subsidy_tie_out_to_the_fen(platform) -> None:  # type: ignore[no-untyped-def]
    registry = await platform.start("registry")
    funding = await platform.start("funding")
    project = await register_project(
        registry, community_body(floor_area_m2=FLOOR_AREA), investment_fen=PLANNED
    )
    await accept_project(registry, project["id"], accepted_on=ACCEPTED_ON, audited_investment_fen=ACCEPTED)

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

    await audit_project(registry, project["id"], AUDITED, audited_on=AUDITED_ON)

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
    events = [event["type"] for event in await platform.announced_events("funding")]
    assert [e for e in events if e.startswith("funding.subsidy.")] == [
        "funding.subsidy.approved.v1",
        "funding.subsidy.disbursed.v1",
        "funding.subsidy.adjusted.v1",
        "funding.subsidy.disbursed.v1",
    ]
    # the plan as submitted and as approved, each announced once before any money moved
    assert [e for e in events if e.startswith("funding.investment.")] == ["funding.investment.planned.v1"] * 2

    await _property_subsidy_is_scheduled_paid_and_owed(platform, registry, project["id"])


def _months_from(first: date, count: int) -> list[date]:
    return [
        date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(count)
    ]


def _ended_by(months: list[date], today: date) -> list[date]:
    """The months whose last day is before `today` (a month is paid in arrears: due when it ends)."""
    return [m for m in months if (m.year, m.month) < (today.year, today.month)]


async def _property_subsidy_is_scheduled_paid_and_owed(
    platform: Any, registry: httpx.AsyncClient, project_id: str
) -> None:
    """Takeover in the registry, heard by funding; the paying district (only it) schedules the
    subsidy on the ledger's floor area and pays months against it; ended unpaid months are arrears."""
    takeover = {**step_bodies("zhengzhou-2019", TAKEN_OVER_ON, AUDITED)["property-takeover"]}
    taken = await registry.post(f"/projects/{project_id}/property-takeover", json=takeover)
    assert taken.status_code == 200, taken.text
    jinshui = platform.client("funding", tokens.district("zz-jinshui"))
    finance = platform.client("funding", tokens.finance())
    erqi = platform.client("funding", tokens.district("zz-erqi"))
    path = f"/projects/{project_id}/property-subsidy"

    async def lower_rate() -> httpx.Response | None:
        response = await jinshui.post(path, json={"fen_per_m2_month": 25})
        return None if response.status_code == 404 else response  # funding has not heard the takeover yet

    refused = await eventually(lower_rate)  # 原则上不低于0.3元: less only with the district's reason
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("below_standard_reason", "required_below_standard")
    ]
    created = await jinshui.post(path, json={})
    assert created.status_code == 201, created.text
    sheet = created.json()
    months = _months_from(FIRST_MONTH, 36)
    assert (sheet["floor_area_m2"], sheet["floor_area_source"], sheet["months"], sheet["total_fen"]) == (
        FLOOR_AREA,
        "takeover",
        36,
        TOTAL,
    )
    assert (sheet["fen_per_m2_month"], sheet["below_standard"]) == (30, False)
    assert [(m["month"], m["scheduled_fen"]) for m in sheet["schedule"]] == [
        (m.isoformat(), HIGH if i < 18 else LOW) for i, m in enumerate(months)
    ]
    assert sum(m["scheduled_fen"] for m in sheet["schedule"]) == TOTAL
    again = await jinshui.post(path, json={})
    assert again.status_code == 409  # one schedule per project
    assert (await finance.post(path, json={})).status_code in (
        403,
        409,
    )  # the district pays (五(三) 区级财政)

    today = shanghai_date(utcnow()).isoformat()
    paid = [(months[0], HIGH), (months[1], 500_000)]
    for month, amount in paid:
        body = {"month": month.isoformat(), "amount_fen": amount, "paid_on": today}
        response = await jinshui.post(f"{path}/payments", json=body)
        assert response.status_code == 201, response.text
    over = await jinshui.post(
        f"{path}/payments",
        json={"month": months[1].isoformat(), "amount_fen": HIGH - 500_000 + 1, "paid_on": today},
    )
    assert over.status_code == 422 and [(e["field"], e["rule"]) for e in over.json()["errors"]] == [
        ("amount_fen", "exceeds_month_owed")
    ], over.text
    unscheduled = await jinshui.post(
        f"{path}/payments", json={"month": "2025-06-01", "amount_fen": 1, "paid_on": today}
    )
    assert unscheduled.status_code == 422 and [
        (e["field"], e["rule"]) for e in unscheduled.json()["errors"]
    ] == [("month", "scheduled_month")]
    refused = await finance.post(
        f"{path}/payments", json={"month": months[2].isoformat(), "amount_fen": 1, "paid_on": today}
    )
    assert refused.status_code == 403
    assert (await erqi.get(path)).status_code == 404  # another district does not see it

    sheet = (await jinshui.get(path)).json()
    assert (sheet["paid_fen"], sheet["owed_fen"]) == (HIGH + 500_000, TOTAL - HIGH - 500_000)
    before = shanghai_date(utcnow())
    arrears = (await jinshui.get("/property-subsidy/arrears")).json()
    after = shanghai_date(utcnow())
    ours = [(a["month"], a["owed_fen"]) for a in arrears if a["project_id"] == project_id]
    expected = [
        {
            (m.isoformat(), (HIGH if i < 18 else LOW) - dict(paid).get(m, 0))
            for i, m in enumerate(months)
            if m in _ended_by(months, day) and m != months[0]
        }
        for day in (before, after)
    ]
    assert set(ours) in expected and len(ours) == len(set(ours))
    assert (months[1].isoformat(), HIGH - 500_000) in ours
    assert [
        a for a in (await erqi.get("/property-subsidy/arrears")).json() if a["project_id"] == project_id
    ] == []

    funding_sheet = (await finance.get(f"/projects/{project_id}/funding")).json()
    assert (funding_sheet["property_subsidy_scheduled_fen"], funding_sheet["property_subsidy_paid_fen"]) == (
        TOTAL,
        HIGH + 500_000,
    )
    assert funding_sheet["awarded_fen"] == funding_sheet["paid_fen"] == 21_200_001  # the award's own figures
    reconciliation = (await finance.get("/reconciliation")).json()
    (line,) = reconciliation["property_subsidy"]
    assert (line["journal_scheduled_fen"], line["schedule_total_fen"]) == (TOTAL, TOTAL)
    assert (line["journal_paid_fen"], line["payments_fen"]) == (HIGH + 500_000, HIGH + 500_000)
    assert line["ties_out"] is True and reconciliation["ties_out"] is True
    events = [event["type"] for event in await platform.announced_events("funding")]
    assert [e for e in events if e.startswith("funding.property_subsidy.")] == [
        "funding.property_subsidy.scheduled.v1",
        "funding.property_subsidy.paid.v1",
        "funding.property_subsidy.paid.v1",
    ]


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

"""A Zhongyuan 2013 project over HTTP on real Kafka and PostgreSQL: its own lifecycle (tender
first, no consultation or plan), the street office's daily safety patrols with a missing day
visible (五(二)5), the tracked deadlines (三(一)), completion signed by the street office and the
community and then inspected by the headquarters (五(二)8) with its printable form, and takeover
in a Zhongyuan mode with its four haves (三(二)–(三))."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from pypdf import PdfReader

from shared.clock import shanghai_date
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import PropertyTakenOver
from shared.contracts.topics import REGISTRY_EVENTS
from shared.policy import get_profile
from tests.support import tokens
from tests.support.factories import community_body, project_body
from tests.support.kafka_io import read_topic_until

PROGRAMME = "zhongyuan-2013"
TAKEOVER_TYPE = PropertyTakenOver.TYPE
ZHONGYUAN = "zz-zhongyuan"
FOUR_HAVES = [
    i.code for i in next(s for s in get_profile(PROGRAMME).service_levels if s.code == "four-haves").items
]


def _rules(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(e["field"], e["rule"]) for e in response.json().get("errors", [])]


async def test_a_zhongyuan_project_runs_its_lifecycle_with_daily_patrols_and_takeover(platform) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry")
    district = platform.client("registry", tokens.district(ZHONGYUAN))
    street = platform.client("registry", tokens.street_office(f"{ZHONGYUAN}-linshanzhai", ZHONGYUAN))
    jinshui = platform.client("registry", tokens.district("zz-jinshui"))
    today = shanghai_date(datetime.now(UTC))
    start = today - timedelta(days=6)
    day = [(start + timedelta(days=n)).isoformat() for n in range(7)]

    community = await district.post(
        "/communities",
        json=community_body(
            name="林山寨小区", district_code=ZHONGYUAN, street_office="林山寨街道", programme_code=PROGRAMME
        ),
    )
    assert community.status_code == 201, community.text
    opened = await district.post(
        "/projects", json=project_body(community.json()["id"], name="林山寨小区物业基础设施整治")
    )
    assert opened.status_code == 201, opened.text
    project = opened.json()
    pid = project["id"]
    assert (project["step"], project["allowed_actions"]) == ("tender", ["tender-award"])

    overdue = (await district.get("/projects/overdue", params={"programme_code": PROGRAMME})).json()
    assert {o["deadline_code"] for o in overdue if o["project_id"] == pid} == {
        "construction-start",
        "construction-complete",
        "acceptance-window",
    }

    early = await street.post(
        f"/projects/{pid}/patrols",
        json={"patrolled_on": day[0], "findings": "未开工", "contractor_notified": False},
    )
    assert early.status_code == 409 and early.json()["allowed_actions"] == ["tender-award"]

    awarded = await district.post(
        f"/projects/{pid}/tender-award", json={"awarded_on": day[0], "contractor": "某建设工程有限公司"}
    )
    assert awarded.status_code == 200, awarded.text
    started = await district.post(f"/projects/{pid}/construction-start", json={"started_on": day[0]})
    assert started.status_code == 200 and started.json()["step"] == "construction", started.text

    for n in (0, 1, 3, 5):
        body = {"patrolled_on": day[n], "findings": "现场围挡完好", "contractor_notified": n == 3}
        if n == 3:
            body["hazards"] = ["脚手架连墙件缺失"]
        recorded = await street.post(f"/projects/{pid}/patrols", json=body)
        assert recorded.status_code == 201, recorded.text
    again = await street.post(
        f"/projects/{pid}/patrols",
        json={"patrolled_on": day[1], "findings": "重复", "contractor_notified": False},
    )
    assert again.status_code == 409 and _rules(again) == [("patrolled_on", "one_patrol_per_day")]
    by_district = await district.post(
        f"/projects/{pid}/patrols",
        json={"patrolled_on": day[2], "findings": "区里代填", "contractor_notified": False},
    )
    assert by_district.status_code == 403
    future = (today + timedelta(days=1)).isoformat()
    ahead = await street.post(
        f"/projects/{pid}/patrols",
        json={"patrolled_on": future, "findings": "明天", "contractor_notified": False},
    )
    assert ahead.status_code == 422 and _rules(ahead) == [("patrolled_on", "not_in_future")]

    log = (await district.get(f"/projects/{pid}/patrols")).json()
    assert log["missing_days"] == [day[2], day[4]] and log["due_today"] is True
    assert [p["patrolled_on"] for p in log["patrols"]] == [day[0], day[1], day[3], day[5]]
    missing = await district.get("/patrols/missing", params={"date": day[2]})
    assert [m["project_id"] for m in missing.json()] == [pid] and missing.headers["X-Total-Count"] == "1"
    assert (await jinshui.get(f"/projects/{pid}/patrols")).status_code == 404

    completed = await district.post(f"/projects/{pid}/construction-completion", json={"completed_on": day[6]})
    assert completed.status_code == 200, completed.text
    signatures = [
        {"role": "street-office", "signatory": "林山寨街道办事处 王主任", "signed_on": day[6]},
        {"role": "community", "signatory": "林山寨社区 李书记", "signed_on": day[6]},
    ]
    form = {
        "accepted_on": day[6],
        "accepted_investment_fen": project["investment_fen"],
        "sign_offs": signatures,
    }
    refused = await district.post(f"/projects/{pid}/acceptance", json=form)
    assert refused.status_code == 422 and _rules(refused) == [("sign_offs", "all_parties_sign")]
    headquarters = {"role": "district-headquarters", "signatory": "区指挥部 张指挥", "signed_on": day[6]}
    accepted = await district.post(
        f"/projects/{pid}/acceptance", json={**form, "sign_offs": [*signatures, headquarters]}
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text

    pdf = await district.get(f"/projects/{pid}/acceptance-form.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\n", "")
    assert "林山寨小区物业基础设施整治" in text and "林山寨街道办事处 王主任" in text and "验收合格" in text
    assert (await jinshui.get(f"/projects/{pid}/acceptance-form.pdf")).status_code == 404

    takeover = {
        "taken_over_on": day[6],
        "mode": "owner-self-management",
        "manager": "林山寨社区",
        "service_level": "four-haves",
    }
    wrong_mode = await district.post(f"/projects/{pid}/property-takeover", json=takeover)
    assert wrong_mode.status_code == 422 and _rules(wrong_mode) == [("mode", "takeover_mode")]
    taken = await district.post(
        f"/projects/{pid}/property-takeover",
        json={**takeover, "mode": "logistics-management", "commitments": FOUR_HAVES},
    )
    assert taken.status_code == 200 and taken.json()["status"] == "taken_over", taken.text

    deadlines = {d["code"]: d["status"] for d in (await district.get(f"/projects/{pid}/deadlines")).json()}
    assert deadlines == {
        "budget-and-tender": "past_at_issue",
        "construction-start": "met_late",
        "construction-complete": "met_late",
        "acceptance-window": "met_late",
    }
    overdue = (await district.get("/projects/overdue", params={"programme_code": PROGRAMME})).json()
    assert pid not in {o["project_id"] for o in overdue}

    def takeover_read(records: list[Any]) -> bool:  # the project's last event may still be on its way
        return any(TAKEOVER_TYPE.encode() in r.value and pid.encode() in r.value for r in records)

    records = await read_topic_until(
        platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), takeover_read, timeout_s=60
    )
    events = [CloudEvent.from_bytes(r.value) for r in records]
    ours = [e for e in events if e.data.get("project_id") == pid]
    patrols = [e.data for e in ours if e.type == "registry.project.safety_patrol_recorded.v1"]
    assert [p["patrolled_on"] for p in patrols] == [day[0], day[1], day[3], day[5]]
    assert patrols[2]["hazards"] == ["脚手架连墙件缺失"] and patrols[2]["contractor_notified"] is True
    (takeover_event,) = [e.data for e in ours if e.type == TAKEOVER_TYPE]
    assert takeover_event["mode"] == "logistics-management" and takeover_event["commitments"] == FOUR_HAVES
    assert float(takeover_event["floor_area_m2"]) == 25000.5

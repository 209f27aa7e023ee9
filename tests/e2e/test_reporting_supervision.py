"""The office's week over real Kafka and PostgreSQL: reports filed and missed, the bulletin, targets.

Events are published as the registry would; the overdue sweep and the bulletin's events go out on
`reporting.events` and come back into reporting's own figures. The service runs on a fixed clock (Monday after week 2026-W47).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from services.reporting.domain.weekly_reports import last_due_week
from services.reporting.main import create_reporting_app
from shared.clock import FixedClock
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectRegistered
from shared.contracts.topics import REGISTRY_EVENTS, REPORTING_EVENTS
from shared.policy import get_profile
from tests.support import tokens
from tests.support.kafka_io import produce_raw, read_topic
from tests.support.servers import eventually, serve

PROGRAMME = "zhengzhou-2019"  # 七(二): districts report every Friday
JINSHUI, ERQI = "zz-jinshui", "zz-erqi"
PROBLEM = "application/problem+json"


def _report(week_of: str, **overrides: object) -> dict[str, object]:
    return {
        "programme_code": PROGRAMME,
        "week_of": week_of,
        "projects_started": 1,
        "projects_completed": 0,
        "projects_accepted": 0,
        "investment_completed_fen": 350_000_00,
        "narrative": "文化路1号院开工。",
        **overrides,
    }


NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai, after week 2026-W47


async def test_a_week_of_supervision_reports_bulletin_and_targets(platform) -> None:  # type: ignore[no-untyped-def]
    settings = platform.settings("reporting", overdue_sweep_interval_s=0.3)
    platform.servers["reporting"] = await serve(create_reporting_app(settings, clock=FixedClock(NOW)))
    office = platform.client("reporting", tokens.office())
    jinshui = platform.client("reporting", tokens.district(JINSHUI))
    erqi = platform.client("reporting", tokens.district(ERQI))
    now = NOW
    due = last_due_week(get_profile(PROGRAMME), now)
    assert (due.week.label, due.due_on) == ("2026-W47", date(2026, 11, 20))

    # Jinshui files the last due week's report after its Friday: accepted, marked late
    filed = await jinshui.post("/weekly-reports", json=_report(due.week.start.isoformat()))
    assert filed.status_code == 201, filed.text
    assert (filed.json()["week"], filed.json()["status"]) == (due.week.label, "late")
    again = await jinshui.post("/weekly-reports", json=_report(due.week.start.isoformat()))
    assert again.status_code == 409 and again.headers["content-type"].startswith(PROBLEM)
    bad = await erqi.post(
        "/weekly-reports",
        json=_report(due.week.start.isoformat(), investment_completed_fen="100", colour="red"),
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)
    assert {e["field"] for e in bad.json()["errors"]} >= {"investment_completed_fen", "colour"}
    assert (await erqi.get(f"/weekly-reports/{filed.json()['id']}")).status_code == 404
    assert (await office.get(f"/weekly-reports/{filed.json()['id']}")).status_code == 200

    # the programme now has a project in Jinshui's ledger, registered on the report day
    registered = ProjectRegistered(
        project_id=uuid.uuid4(),
        community_id=uuid.uuid4(),
        district_code=JINSHUI,
        programme_code=PROGRAMME,
        name="金水区文化路1号院",
        investment_fen=800_000_00,
    )
    envelope = CloudEvent.wrap(registered).model_copy(update={"time": datetime(2026, 11, 20, 1, tzinfo=UTC)})
    await produce_raw(
        platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), [envelope.to_bytes()], key=b"p1"
    )

    # the sweep flags the four districts that did not file; reporting counts them from its own topic
    async def overdue_counted():  # type: ignore[no-untyped-def]
        rollups = (await office.get("/rollups/districts")).json()
        counted = {
            r["district_code"]: r["weekly_reports_overdue"] for r in rollups if r["weekly_reports_overdue"]
        }
        return counted if len(counted) == 4 else None

    counted = await eventually(overdue_counted, timeout_s=60)
    assert counted == {"zz-erqi": 1, "zz-guancheng": 1, "zz-huiji": 1, "zz-zhongyuan": 1}
    week = (
        await office.get("/weekly-reports", params={"programme": PROGRAMME, "week_of": due.week.start})
    ).json()
    statuses = {r["reporter_code"]: r["status"] for r in week["reporters"]}
    assert statuses[JINSHUI] == "late" and statuses[ERQI] == "missing"

    # progress against the yearly targets: by 2026 the plan wanted everything done (一(三))
    progress = (await office.get("/progress/districts", params={"programme": PROGRAMME})).json()
    mine = next(p for p in progress if p["district_code"] == JINSHUI)
    assert (mine["task"], mine["done"], mine["on_track"]) == (1, 0, False)

    # the office publishes the bulletin of the week just over; a district may not
    week_of = due.week.start.isoformat()
    refused = await jinshui.post("/bulletins", json={"programme_code": PROGRAMME, "week_of": week_of})
    assert refused.status_code == 403
    published = await office.post("/bulletins", json={"programme_code": PROGRAMME, "week_of": week_of})
    assert published.status_code == 201, published.text
    bulletin = published.json()
    assert JINSHUI in bulletin["lagging"]
    frozen = await office.post("/bulletins", json={"programme_code": PROGRAMME, "week_of": week_of})
    assert frozen.status_code == 409

    events = await read_topic(
        platform.kafka.bootstrap_servers, platform.topic(REPORTING_EVENTS), 6, timeout_s=60
    )
    types = [CloudEvent.from_bytes(r.value).type for r in events]
    assert "reporting.bulletin.published.v1" in types and "reporting.district.lagging.v1" in types

    async def lagging_counted():  # type: ignore[no-untyped-def]
        body = (await office.get(f"/rollups/districts/{JINSHUI}")).json()
        return body.get("lagging_in_bulletins") == 1 and body

    await eventually(lagging_counted, timeout_s=60)

    # a district reads only its own line of the bulletin
    seen = (await erqi.get(f"/bulletins/{bulletin['id']}")).json()
    assert [s["district_code"] for s in seen["standings"]] == [ERQI]

    # rollups as of a period's end over HTTP; a future day is refused naming the field
    as_of = await office.get("/rollups/districts", params={"period": "week", "date": week_of})
    assert as_of.status_code == 200 and all(r["period"] == "week" for r in as_of.json())
    future = await office.get(
        "/rollups/districts", params={"date": (now + timedelta(days=3)).date().isoformat()}
    )
    assert future.status_code == 422
    assert [(e["field"], e["rule"]) for e in future.json()["errors"]] == [("date", "not_in_future")]

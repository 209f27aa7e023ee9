"""The office's month over real Kafka and PostgreSQL: registry and funding events in the rollups,
a district behind its target, the monthly evaluation published once, frozen, then restated.

Registry and funding run on the real clock; reporting's clock is set to the first morning of the
next month, so the month the projects were registered and accepted in is over and can be evaluated.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from services.reporting.main import create_reporting_app
from shared.clock import SHANGHAI, FixedClock, shanghai_date, utcnow
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import ProjectAccepted
from shared.contracts.topics import REGISTRY_EVENTS, REPORTING_EVENTS
from shared.policy import evaluation_score, get_profile
from tests.support import tokens
from tests.support.flows import accept_project, approve_award, register_project
from tests.support.kafka_io import produce_raw, read_topic
from tests.support.servers import eventually, serve

PROGRAMME = "zhengzhou-2019"
JINSHUI = "zz-jinshui"
PROBLEM = "application/problem+json"


async def test_registry_and_funding_events_feed_the_rollups_and_the_monthly_evaluation(platform) -> None:  # type: ignore[no-untyped-def]
    today = shanghai_date(utcnow())
    month = f"{today.year}-{today.month:02d}"
    next_month = today.replace(day=calendar.monthrange(today.year, today.month)[1]) + timedelta(days=1)
    reporting_now = datetime.combine(next_month, time(10), tzinfo=SHANGHAI).astimezone(UTC)
    registry = await platform.start("registry")
    funding = await platform.start("funding")
    settings = platform.settings("reporting", overdue_sweep_interval_s=0.5)
    platform.servers["reporting"] = await serve(
        create_reporting_app(settings, clock=FixedClock(reporting_now))
    )
    office = platform.client("reporting", tokens.office())
    jinshui = platform.client("reporting", tokens.district(JINSHUI))

    # two projects in Jinshui's ledger; one accepted today and its award approved by Finance
    first = await register_project(registry, investment_fen=500_000_00)
    await register_project(registry, investment_fen=300_000_00)
    await accept_project(registry, first["id"], accepted_on=today.isoformat())
    await eventually(lambda: _award_proposed(funding, first["id"]), timeout_s=60)
    award = await approve_award(funding, first["id"])

    async def counted() -> dict[str, Any] | None:
        body = (await office.get(f"/rollups/districts/{JINSHUI}", params={"programme": PROGRAMME})).json()
        ready = body.get("registered_projects") == 2 and body.get("approved_awards") == 1
        return body if ready else None

    rollup = await eventually(counted, timeout_s=90)
    assert (rollup["accepted_projects"], rollup["accepted_investment_fen"]) == (1, 500_000_00)
    assert (
        rollup["approved_award_fen"] == award["amount_fen"]
        and rollup["registered_investment_fen"] == 800_000_00
    )
    assert rollup["started_projects"] == 1 and rollup["completed_projects"] == 1

    # 一(三): everything was due by the end of 2020, so Jinshui is behind and will miss the year
    progress = (await office.get("/progress/districts", params={"programme": PROGRAMME})).json()
    mine = next(p for p in progress if p["district_code"] == JINSHUI)
    assert (mine["task"], mine["done"], mine["on_track"], mine["behind_by"]) == (2, 1, False, 1)
    forecast = (await office.get("/forecast", params={"programme": PROGRAMME, "year": today.year})).json()
    mine = next(f for f in forecast if f["district_code"] == JINSHUI)
    assert (mine["target_by_year_end"], mine["will_miss"]) == (2, True)

    # the monthly evaluation: the office only, once; scored with the profile's weights
    body = {"programme_code": PROGRAMME, "month": month}
    assert (await jinshui.post("/evaluations", json=body)).status_code == 403
    bad = await office.post("/evaluations", json={**body, "month": f"{today.year}-13"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)
    published = await office.post("/evaluations", json=body)
    assert published.status_code == 201, published.text
    evaluation = published.json()
    line = next(d for d in evaluation["districts"] if d["district_code"] == JINSHUI)
    parts = line["components"]
    assert (parts["progress"], parts["first_pass_acceptance"], parts["payout"]) == (
        "0.5000",
        "1.0000",
        "0.0000",
    )
    assert parts["rectification"] is None and parts["timeliness"] in ("0.0000", None)
    expected = evaluation_score(
        get_profile(PROGRAMME), {k: None if v is None else Decimal(v) for k, v in parts.items()}
    )
    assert line["score"] == str(expected)
    again = await office.post("/evaluations", json=body)
    assert again.status_code == 409 and again.headers["content-type"].startswith(PROBLEM)
    assert await eventually(lambda: _published_event(platform), timeout_s=60)

    # an acceptance of this month heard after publication: the evaluation stays as published,
    # the change is shown as a restatement
    late = ProjectAccepted(
        project_id=uuid.uuid4(),
        community_id=uuid.uuid4(),
        district_code=JINSHUI,
        programme_code=PROGRAMME,
        investment_fen=300_000_00,
        accepted_on=today,
    )
    await produce_raw(
        platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), [CloudEvent.wrap(late).to_bytes()]
    )

    async def restated() -> list[dict[str, Any]] | None:
        found = (await office.get("/restatements", params={"programme": PROGRAMME})).json()
        return found or None

    changes = await eventually(restated, timeout_s=60)
    assert [
        (c["publication"], c["period"], c["district_code"], c["figure"], c["change"]) for c in changes
    ] == [("evaluation", month, JINSHUI, "done", 1)]
    frozen = (await office.get(f"/evaluations/{month}", params={"programme": PROGRAMME})).json()
    assert frozen == evaluation
    seen = (await jinshui.get(f"/evaluations/{month}", params={"programme": PROGRAMME})).json()
    assert [d["district_code"] for d in seen["districts"]] == [JINSHUI]


async def _award_proposed(funding, project_id: str) -> bool:  # type: ignore[no-untyped-def]
    return bool((await funding.get("/awards", params={"project_id": project_id})).json())


async def _published_event(platform) -> bool:  # type: ignore[no-untyped-def]
    """Whether MonthlyEvaluationPublished is on reporting.events (read from the start each time)."""
    records = await read_topic(
        platform.kafka.bootstrap_servers, platform.topic(REPORTING_EVENTS), 1, timeout_s=10
    )
    return any(CloudEvent.from_bytes(r.value).type == "reporting.evaluation.published.v1" for r in records)

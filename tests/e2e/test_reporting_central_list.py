"""Kaifeng's supervision over real Kafka and PostgreSQL, from the registry's own events: the central-
fund list's progress (三), step deadlines missed as a district figure, and a department's weekly
report (七(六) 各单位). The registry runs as deployed, its deadline sweep included."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.clock import shanghai_date
from shared.contracts.envelope import CloudEvent
from shared.contracts.topics import REGISTRY_EVENTS
from tests.support import tokens
from tests.support.factories import WALK_SKIPS, community_body, project_body, step_bodies
from tests.support.kafka_io import read_topic
from tests.support.servers import eventually

PROGRAMME, GULOU = "kaifeng-2019", "kf-gulou"
MISSED = "registry.project.deadline_missed.v1"


async def test_the_central_fund_list_and_missed_deadlines_reach_the_office_from_the_registry(
    platform,
) -> None:  # type: ignore[no-untyped-def]
    await platform.start("registry", deadline_sweep_interval_s=0.5)
    await platform.start("reporting")
    district = platform.client("registry", tokens.district(GULOU))
    office = platform.client("reporting", tokens.office())
    today = shanghai_date(datetime.now(UTC)).isoformat()

    listed = []
    for name in ("相国寺1号院", "相国寺2号院"):
        body = community_body(
            name=name, district_code=GULOU, street_office="相国寺街道", programme_code=PROGRAMME
        )
        created = await district.post("/communities", json=body)
        assert created.status_code == 201, created.text
        classified = await district.put(
            f"/communities/{created.json()['id']}/classification",
            json={"tier": "implement", "centrally_funded": True},
        )
        assert classified.status_code == 200, classified.text
        listed.append(created.json()["id"])
    opened = await district.post("/projects", json=project_body(listed[0]))
    assert opened.status_code == 201, opened.text
    project = opened.json()
    bodies = step_bodies(PROGRAMME, today, project["investment_fen"])
    taken: list[str] = []
    while "tender-award" not in project["allowed_actions"]:
        # the first action that moves the project on (a revision, the same action again, does not)
        action = next(a for a in project["allowed_actions"] if a not in WALK_SKIPS and a not in taken)
        done = await district.post(f"/projects/{project['id']}/{action}", json=bodies[action])
        assert done.status_code == 200, f"{action}: {done.text}"
        project = done.json()
        taken.append(action)
    tendered = await district.post(f"/projects/{project['id']}/tender-award", json=bodies["tender-award"])
    assert tendered.status_code == 200, tendered.text

    # the list's progress as the office reads it: 2 of the plan's 117 listed, one tendered (late)
    async def tender_counted():  # type: ignore[no-untyped-def]
        found = (await office.get("/progress/central-list", params={"programme": PROGRAMME})).json()
        return found if found["listed"] == 2 and found["milestones"][0]["done"] == 1 else None

    progress = await eventually(tender_counted, timeout_s=60)
    tender, finish = progress["milestones"]
    assert (progress["funded_communities"], tender["target"], tender["status"]) == (117, 117, "missed")
    assert (finish["done"], finish["status"]) == (0, "missed")
    (gulou,) = progress["districts"]
    assert (gulou["district_code"], gulou["listed"]) == (GULOU, 2)
    other = platform.client("reporting", tokens.district("kf-longting"))
    assert (await other.get("/progress/central-list", params={"programme": PROGRAMME})).json()[
        "districts"
    ] == []

    # every miss the registry announced is one in the district's figures, once. 12 events precede
    # them (2 communities registered and classified, the project, its 7 steps); the sweep flags the
    # project's deadlines within half a second of its opening (and the tender's, if it ran before it)
    async def announced():  # type: ignore[no-untyped-def]
        records = await read_topic(
            platform.kafka.bootstrap_servers, platform.topic(REGISTRY_EVENTS), 14, timeout_s=30
        )
        events = [CloudEvent.from_bytes(r.value) for r in records]
        return [e for e in events if e.type == MISSED and e.data["project_id"] == project["id"]]

    async def counted_once():  # type: ignore[no-untyped-def]
        missed = await announced()
        codes = [e.data["deadline_code"] for e in missed]
        if not {"funded-communities-complete", "programme-complete"} <= set(codes):
            return None
        assert len(set(codes)) == len(codes), codes  # each deadline announced once
        rollups = (await office.get("/rollups/districts", params={"programme": PROGRAMME})).json()
        row = next((r for r in rollups if r["district_code"] == GULOU), None)
        return row if row and row["deadlines_missed"] == len(missed) else None

    await eventually(counted_once, timeout_s=60)

    # Kaifeng's departments report weekly too (七(六) 各单位): filed with no district
    housing = platform.client("reporting", tokens.department("housing"))
    report = {
        "programme_code": PROGRAMME,
        "week_of": today,
        "projects_started": 0,
        "projects_completed": 0,
        "projects_accepted": 0,
        "investment_completed_fen": 0,
        "narrative": "统筹协调本周改造工作。",
    }
    filed = await housing.post("/weekly-reports", json=report)
    assert filed.status_code == 201, filed.text
    assert (filed.json()["reporter_code"], filed.json()["district_code"]) == ("housing", None)
    week = (await office.get("/weekly-reports", params={"programme": PROGRAMME, "week_of": today})).json()
    assert {"housing", "finance", GULOU} <= {r["reporter_code"] for r in week["reporters"]}

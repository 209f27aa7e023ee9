"""Zhongyuan's daily safety patrol (五(二)5), pinned where mutants survived: refusals in words,
one patrol a day per site (not per programme), the note kept on the row and the event, the audit
entry; the log read by the project's district up to completion; the sites missing a patrol on a
day: today may be asked, a site counts from its start day through its completion day, each with
its own start date, filtered by district, oldest project first with the id breaking ties."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.registry.handlers import SUBSCRIPTIONS, patrols
from services.registry.models.construction import ConstructionStart
from services.registry.models.patrols import SafetyPatrol
from shared.audit import AuditEntry
from shared.clock import FixedClock
from shared.errors import Conflict, FieldProblem, InvalidState, NotFoundError, RuleViolation
from tests.handlers.harness import ServiceHarness
from tests.handlers.registry.test_areas_and_directory_mutants import against_their_ids
from tests.handlers.registry.test_patrols import patrol, street_office
from tests.handlers.registry.walk import act, district, office, open_project, walk

EVENT = "registry.project.safety_patrol_recorded.v1"


async def _record(harness: ServiceHarness, project_id: uuid.UUID, body: Any) -> Any:
    now = harness.clock.now()
    return await harness.run(lambda s: patrols.record_patrol(s, street_office(), project_id, body, now))


async def _missing(harness: ServiceHarness, day: date, actor: Any = None, **filters: Any) -> Any:
    now = harness.clock.now()
    args = {"programme_code": None, "district_code": None, "limit": 100, "offset": 0, **filters}
    return await harness.run(lambda s: patrols.missing_on(s, actor or office(), day, now, **args))


async def _site(harness: ServiceHarness, started_on: date | None = None) -> Any:
    """A Zhongyuan project whose works started (on 2026-04-01 unless another day is given)."""
    project = await open_project(harness, "zhongyuan-2013")
    if started_on is None:
        await walk(harness, project.id, "construction-start")
    else:
        await walk(harness, project.id, "tender-award")
        await act(harness, project.id, "construction-start", ConstructionStart(started_on=started_on))
    return project


@pytest.fixture
async def registry(harness_for):  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock = FixedClock(datetime(2026, 4, 5, 2, 0, tzinfo=UTC))  # 2026-04-05 in Shanghai
    return harness


async def test_patrols_are_refused_in_words(registry) -> None:  # type: ignore[no-untyped-def]
    waiting = await open_project(registry, "zhongyuan-2013")
    with pytest.raises(InvalidState) as caught:
        await _record(registry, waiting.id, patrol("2026-04-02"))
    assert caught.value.detail == "a project at step 'tender' (opened) has no works to patrol yet"
    assert caught.value.errors == [
        FieldProblem("patrolled_on", "patrol_during_construction", "works have not started")
    ]
    site = await _site(registry)
    await _record(registry, site.id, patrol("2026-04-02"))
    with pytest.raises(Conflict) as twice:
        await _record(registry, site.id, patrol("2026-04-02"))
    assert twice.value.detail == "the patrol of 2026-04-02 is already recorded for this project"
    assert twice.value.errors == [
        FieldProblem("patrolled_on", "one_patrol_per_day", "2026-04-02 has its patrol")
    ]


async def test_one_patrol_a_day_is_per_site_so_two_sites_are_patrolled_the_same_day(registry) -> None:  # type: ignore[no-untyped-def]
    first, second = await _site(registry), await _site(registry)
    await _record(registry, first.id, patrol("2026-04-02"))
    await _record(registry, second.id, patrol("2026-04-02"))
    assert sorted(str(p.project_id) for p in await registry.all(SafetyPatrol)) == sorted(
        [str(first.id), str(second.id)]
    )


async def test_the_note_is_kept_announced_and_audited_with_the_record(registry) -> None:  # type: ignore[no-untyped-def]
    site = await _site(registry)
    body = patrol("2026-04-03", hazards=["基坑临边无防护"], note="已书面上报指挥部")
    recorded = await _record(registry, site.id, body)
    assert (recorded.note, recorded.actor_org) == ("已书面上报指挥部", street_office().org_code)
    [stored] = await registry.all(SafetyPatrol)
    assert stored.note == "已书面上报指挥部"
    event = (await registry.outbox())[-1]
    assert (event.type, event.data["note"]) == (EVENT, "已书面上报指挥部")
    [entry] = [e for e in await registry.all(AuditEntry) if e.action == "project.safety_patrol_recorded"]
    assert (entry.record_type, entry.record_id) == ("project", str(site.id))
    assert json.loads(entry.after) == {
        "patrolled_on": "2026-04-03",
        "findings": "脚手架稳固，通道畅通",
        "hazards": ["基坑临边无防护"],
        "contractor_notified": False,
        "note": "已书面上报指挥部",
    }


async def test_the_log_is_read_by_the_projects_district_and_names_the_completion_day(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-completion")
    now = harness.clock.now()
    log = await harness.run(lambda s: patrols.patrol_log(s, district("zz-zhongyuan"), project.id, now))
    assert (log.construction_started_on, log.construction_completed_on) == (
        date(2026, 4, 1),
        date(2026, 9, 1),
    )
    with pytest.raises(NotFoundError, match=f"^no project {project.id}$"):
        await harness.run(lambda s: patrols.patrol_log(s, district("zz-jinshui"), project.id, now))


async def test_today_may_be_asked_about_and_tomorrow_is_refused_in_words(registry) -> None:  # type: ignore[no-untyped-def]
    site = await _site(registry)
    page, total = await _missing(registry, date(2026, 4, 5))
    assert ([m.project_id for m in page], total) == ([site.id], 1)
    with pytest.raises(RuleViolation) as caught:
        await _missing(registry, date(2026, 4, 6))
    assert caught.value.detail == "date 2026-04-06 is in the future (today is 2026-04-05 in Asia/Shanghai)"
    assert caught.value.errors == [
        FieldProblem("date", "not_in_future", "give a date on or before 2026-04-05")
    ]


async def test_a_site_is_missing_a_patrol_from_its_start_day_through_its_completion_day(harness_for) -> None:  # type: ignore[no-untyped-def]
    """五(二)5 patrols every day of construction: the day works start and the day they are
    completed are both construction days (the log counts them too)."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    done = await open_project(harness, "zhongyuan-2013")
    await walk(harness, done.id, "construction-completion")  # 2026-04-01 to 2026-09-01
    running = await _site(harness, started_on=date(2026, 9, 1))

    async def listed(day: date) -> list[tuple[uuid.UUID, date]]:
        page, total = await _missing(harness, day)
        assert total == len(page)
        return [(m.project_id, m.construction_started_on) for m in page]

    assert await listed(date(2026, 8, 31)) == [(done.id, date(2026, 4, 1))]
    assert await listed(date(2026, 9, 1)) == sorted(
        [(done.id, date(2026, 4, 1)), (running.id, date(2026, 9, 1))]
    )
    assert await listed(date(2026, 9, 2)) == [(running.id, date(2026, 9, 1))]


async def test_sites_missing_a_patrol_are_filtered_by_district_and_name_their_street_office(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    site = await _site(harness)
    day = date(2026, 4, 2)
    page, total = await _missing(harness, day, actor=district("zz-zhongyuan"))
    assert ([(m.project_id, m.street_office, m.district_code) for m in page], total) == (
        [(site.id, "文化路街道", "zz-zhongyuan")],
        1,
    )
    page, total = await _missing(harness, day, district_code="zz-zhongyuan")
    assert ([m.project_id for m in page], total) == ([site.id], 1)
    assert await _missing(harness, day, district_code="zz-jinshui") == ([], 0)


async def test_sites_missing_a_patrol_come_oldest_first_with_the_id_breaking_ties(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    expected = [p.id for p in await against_their_ids(lambda: _site(harness), harness.clock)]
    page, total = await _missing(harness, date(2026, 4, 2))
    assert ([m.project_id for m in page], total) == (expected, len(expected))
    page, total = await _missing(harness, date(2026, 4, 2), limit=2)
    assert ([m.project_id for m in page], total) == (expected[:2], len(expected))

"""Zhongyuan's daily safety patrol (五(二)5) on the handler tier: one per site per day during
construction, by the street office, with its event; the log's missing days; the sites missing
a patrol on a day; and every refusal changing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.registry.handlers import SUBSCRIPTIONS, patrols
from services.registry.models.patrols import PatrolRecord, SafetyPatrol
from shared.access import Principal, default_scopes
from shared.clock import FixedClock
from shared.directory import OrganisationKind
from shared.errors import Conflict, Forbidden, InvalidState, NotFoundError, RuleViolation
from tests.handlers.registry.walk import district, office, open_project, walk

EVENT = "registry.project.safety_patrol_recorded.v1"


def street_office(district_code: str = "zz-zhongyuan") -> Principal:
    kind = OrganisationKind.STREET_OFFICE
    code = f"{district_code}-linshanzhai"
    return Principal(f"user@{code}", code, kind, default_scopes(kind, code), district_code=district_code)


def patrol(day: str, **fields: object) -> PatrolRecord:
    body = {"patrolled_on": day, "findings": "脚手架稳固，通道畅通", "contractor_notified": False, **fields}
    return PatrolRecord.model_validate(body)


async def _record(harness, project_id, body, actor=None):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    who = actor or street_office()
    return await harness.run(lambda s: patrols.record_patrol(s, who, project_id, body, now))


async def _log(harness, project_id, actor=None):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    return await harness.run(lambda s: patrols.patrol_log(s, actor or office(), project_id, now))


async def _missing(harness, day, actor=None, **filters):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    args = {"programme_code": None, "district_code": None, "limit": 100, "offset": 0, **filters}
    return await harness.run(lambda s: patrols.missing_on(s, actor or office(), day, now, **args))


async def _nothing_changed(harness, before):  # type: ignore[no-untyped-def]
    assert (await harness.outbox_types(), len(await harness.all(SafetyPatrol))) == before


@pytest.fixture
async def site(harness_for):  # type: ignore[no-untyped-def]
    """A Zhongyuan project whose works started on 2026-04-01; today is 2026-04-05 in Shanghai."""
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock = FixedClock(datetime(2026, 4, 5, 2, 0, tzinfo=UTC))
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-start")
    return harness, project


async def test_a_street_office_records_a_days_patrol_with_its_event_and_audit(site) -> None:  # type: ignore[no-untyped-def]
    harness, project = site
    body = patrol(
        "2026-04-02", hazards=["塔吊下方未设警戒区"], contractor_notified=True, note="已书面上报指挥部"
    )
    recorded = await _record(harness, project.id, body)
    assert (recorded.patrolled_on, recorded.hazards, recorded.contractor_notified) == (
        date(2026, 4, 2),
        ["塔吊下方未设警戒区"],
        True,
    )
    event = (await harness.outbox())[-1]
    assert event.type == EVENT
    assert event.data["patrolled_on"] == "2026-04-02"
    assert event.data["hazards"] == ["塔吊下方未设警戒区"]
    assert event.data["district_code"] == "zz-zhongyuan"
    assert (await harness.audit_actions())[-1] == "project.safety_patrol_recorded"


async def test_a_second_patrol_of_the_same_day_is_refused_with_409(site) -> None:  # type: ignore[no-untyped-def]
    harness, project = site
    await _record(harness, project.id, patrol("2026-04-02"))
    before = (await harness.outbox_types(), len(await harness.all(SafetyPatrol)))
    with pytest.raises(Conflict) as caught:
        await _record(harness, project.id, patrol("2026-04-02", findings="再次巡查"))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("patrolled_on", "one_patrol_per_day")]
    await _nothing_changed(harness, before)


@pytest.mark.parametrize(
    ("day", "rule"),
    [
        ("2026-04-06", "not_in_future"),
        ("2026-03-31", "patrol_during_construction"),
    ],
)
async def test_a_patrol_dated_outside_construction_or_in_the_future_is_refused(site, day, rule) -> None:  # type: ignore[no-untyped-def]
    harness, project = site
    before = (await harness.outbox_types(), len(await harness.all(SafetyPatrol)))
    with pytest.raises(RuleViolation) as caught:
        await _record(harness, project.id, patrol(day))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("patrolled_on", rule)]
    await _nothing_changed(harness, before)


async def test_a_patrol_after_completion_is_refused(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-completion")  # 2026-04-01 .. 2026-09-01
    await _record(harness, project.id, patrol("2026-09-01"))
    with pytest.raises(RuleViolation) as caught:
        await _record(harness, project.id, patrol("2026-09-02"))
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("patrolled_on", "patrol_during_construction")
    ]


async def test_only_the_party_the_plan_names_records_patrols_in_its_own_district(site) -> None:  # type: ignore[no-untyped-def]
    harness, project = site
    before = (await harness.outbox_types(), len(await harness.all(SafetyPatrol)))
    with pytest.raises(Forbidden):
        await _record(harness, project.id, patrol("2026-04-02"), actor=district("zz-zhongyuan"))
    with pytest.raises(NotFoundError):
        await _record(harness, project.id, patrol("2026-04-02"), actor=street_office("zz-jinshui"))
    await _nothing_changed(harness, before)


async def test_no_patrol_before_works_start(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    with pytest.raises(InvalidState) as caught:
        await _record(harness, project.id, patrol("2026-04-02"))
    assert caught.value.current == "tender" and caught.value.allowed == ["tender-award"]
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("patrolled_on", "patrol_during_construction")
    ]


async def test_a_programme_without_daily_patrols_refuses_them_with_its_rule(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhengzhou-2019")
    await walk(harness, project.id, "construction-start")
    actor = street_office("zz-jinshui")
    with pytest.raises(Conflict) as caught:
        await _record(harness, project.id, patrol("2026-04-02"), actor=actor)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("programme_code", "daily_patrol_programme")]
    assert not [t for t in await harness.outbox_types() if t == EVENT]


async def test_the_log_lists_patrols_and_the_days_of_construction_without_one(site) -> None:  # type: ignore[no-untyped-def]
    harness, project = site
    await _record(harness, project.id, patrol("2026-04-03"))
    await _record(harness, project.id, patrol("2026-04-01"))
    log = await _log(harness, project.id)
    assert log.construction_started_on == date(2026, 4, 1) and log.construction_completed_on is None
    assert [p.patrolled_on for p in log.patrols] == [date(2026, 4, 1), date(2026, 4, 3)]
    assert log.through == date(2026, 4, 4)
    assert log.missing_days == [date(2026, 4, 2), date(2026, 4, 4)]
    assert log.due_today is True
    await _record(harness, project.id, patrol("2026-04-05"))
    assert (await _log(harness, project.id)).due_today is False


async def test_the_log_stops_at_completion(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, "zhongyuan-2013")
    await walk(harness, project.id, "construction-completion")
    log = await _log(harness, project.id)
    assert (log.through, log.due_today) == (date(2026, 9, 1), False)
    assert log.missing_days[0] == date(2026, 4, 1) and log.missing_days[-1] == date(2026, 9, 1)
    assert len(log.missing_days) == 154


async def test_another_district_cannot_read_the_log(site) -> None:  # type: ignore[no-untyped-def]
    harness, project = site
    with pytest.raises(NotFoundError):
        await _log(harness, project.id, actor=district("zz-jinshui"))


async def test_sites_missing_a_patrol_on_a_day_are_listed(site) -> None:  # type: ignore[no-untyped-def]
    harness, project = site
    other = await open_project(harness, "zhongyuan-2013")
    await walk(harness, other.id, "construction-start")
    await _record(harness, project.id, patrol("2026-04-02"))
    page, total = await _missing(harness, date(2026, 4, 2))
    assert ([m.project_id for m in page], total) == ([other.id], 1)
    page, total = await _missing(harness, date(2026, 4, 3))
    assert total == 2 and [m.project_id for m in page] == sorted([project.id, other.id], key=str)
    assert (await _missing(harness, date(2026, 3, 31)))[1] == 0
    assert (await _missing(harness, date(2026, 4, 3), actor=district("zz-jinshui")))[1] == 0
    assert (await _missing(harness, date(2026, 4, 3), programme_code="zhengzhou-2019"))[1] == 0
    page, total = await _missing(harness, date(2026, 4, 3), limit=1, offset=1)
    assert ([m.project_id for m in page], total) == ([max(project.id, other.id, key=str)], 2)


async def test_asking_for_a_future_day_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    harness, _ = site
    with pytest.raises(RuleViolation) as caught:
        await _missing(harness, date(2026, 4, 6))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("date", "not_in_future")]

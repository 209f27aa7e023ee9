"""The ledger announces its communities (registered, re-assessed, classified) and each project's
business date and street office, so reporting counts per street office and per period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.registry.handlers import SUBSCRIPTIONS, communities, projects
from services.registry.models.communities import Classification, Reassessment
from services.registry.models.projects import Project, ProjectCreate
from shared.errors import RuleViolation
from tests.handlers.registry.walk import community_create, district

COMMUNITY = "registry.community."


async def _register(harness, programme: str = "zhengzhou-2019", **fields):  # type: ignore[no-untyped-def]
    body = community_create(programme, **fields)
    now = harness.clock.now()
    return await harness.run(
        lambda s: communities.register_community(s, district(body.district_code), body, now)
    )


async def _community_events(harness):  # type: ignore[no-untyped-def]
    return [e for e in await harness.outbox() if e.type.startswith(COMMUNITY)]


async def test_registering_a_community_announces_its_facts_on_the_shanghai_business_date(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock.set(datetime(2026, 11, 19, 17, 30, tzinfo=UTC))  # 01:30 on the 20th in Shanghai
    community = await _register(harness, built_year=2005)
    (event,) = await _community_events(harness)
    assert event.type == "registry.community.registered.v1"
    assert event.partitionkey == str(community.id) and event.districtcode == "zz-jinshui"
    data = event.data
    assert (data["community_id"], data["name"], data["registered_on"]) == (
        str(community.id),
        "文化路3号院",
        "2026-11-20",
    )
    assert (data["eligible"], data["households"], data["street_office"]) == (False, 320, "文化路街道")
    assert (data["programme_code"], data["district_code"]) == ("zhengzhou-2019", "zz-jinshui")


async def test_a_re_assessment_announces_the_outcome_and_the_one_before(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness, built_year=2005)
    correction = Reassessment(built_year=1998, note="按房产证更正竣工年份")
    now = harness.clock.now()
    await harness.run(lambda s: communities.reassess(s, district(), community.id, correction, now))
    _, event = await _community_events(harness)
    assert event.type == "registry.community.reassessed.v1"
    assert (event.data["was_eligible"], event.data["eligible"]) == (False, True)
    assert event.data["reassessed_on"] == "2026-11-20"


async def test_a_classification_change_announces_the_new_and_old_classification_and_no_change_none(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness, "kaifeng-2019")
    actor, now = district("kf-gulou"), harness.clock.now()
    listed = Classification(tier="implement", demonstration=True, centrally_funded=True)
    for _ in range(2):  # the second time nothing changes, so nothing is announced
        await harness.run(lambda s: communities.classify(s, actor, community.id, listed, now))
    events = await _community_events(harness)
    assert [e.type for e in events] == [
        "registry.community.registered.v1",
        "registry.community.classified.v1",
    ]
    data = events[1].data
    assert (data["tier"], data["demonstration"], data["centrally_funded"]) == ("implement", True, True)
    assert (data["was_tier"], data["was_demonstration"], data["was_centrally_funded"]) == (None, False, False)
    assert data["eligible"] is True and data["classified_on"] == "2026-11-20"


async def _open(harness, community_id, **fields):  # type: ignore[no-untyped-def]
    create = ProjectCreate(
        name="文化路3号院综合整治", investment_fen=100, community_id=community_id, **fields
    )
    now = harness.clock.now()
    return await harness.run(lambda s: projects.register_project(s, district(), create, now))


async def test_a_project_carries_its_ledger_date_default_today_and_its_street_office(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness)
    today = await _open(harness, community.id)
    backdated = await _open(harness, community.id, registered_on=date(2019, 3, 1))
    assert (today.registered_on, backdated.registered_on) == (date(2026, 11, 20), date(2019, 3, 1))
    opened = [e.data for e in await harness.outbox() if e.type == "registry.project.registered.v1"]
    assert [(d["registered_on"], d["street_office"]) for d in opened] == [
        ("2026-11-20", "文化路街道"),
        ("2019-03-01", "文化路街道"),
    ]
    stored = {p.id: p.registered_on for p in await harness.all(Project)}
    assert stored == {today.id: date(2026, 11, 20), backdated.id: date(2019, 3, 1)}


@pytest.mark.parametrize(
    ("registered_on", "rule"),
    [(date(2026, 11, 21), "not_in_future"), (date(2018, 12, 31), "not_before_programme_year")],
)
async def test_a_ledger_date_in_the_future_or_before_the_programme_year_is_refused_and_nothing_written(
    harness_for, registered_on: date, rule: str
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness)
    with pytest.raises(RuleViolation) as caught:
        await _open(harness, community.id, registered_on=registered_on)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("registered_on", rule)]
    assert await harness.all(Project) == []
    assert [e.type for e in await harness.outbox()] == ["registry.community.registered.v1"]

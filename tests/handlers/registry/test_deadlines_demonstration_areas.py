"""Zhengzhou 2018's demonstration areas (示范区, 四(一)): at least the profile's number of
communities of one district and programme, each in one area at most; a project in an area is
bound by the area deadlines (四(二)–(三))."""

from __future__ import annotations

import uuid

import pytest

from services.registry.handlers import SUBSCRIPTIONS, areas, communities, deadlines
from services.registry.models.areas import AreaCreate, DemonstrationArea, DemonstrationAreaCommunity
from shared.errors import Conflict, Forbidden, RuleViolation
from tests.handlers.registry.walk import community_create, district, office, open_project


async def _community(harness, programme="zhengzhou-2018", **fields):  # type: ignore[no-untyped-def]
    body = community_create(programme, name=f"小区{uuid.uuid4().hex[:6]}", **fields)
    actor = district(body.district_code)
    now = harness.clock.now()
    return (await harness.run(lambda s: communities.register_community(s, actor, body, now))).id


async def _designate(harness, ids, actor=None, **fields):  # type: ignore[no-untyped-def]
    body = AreaCreate.model_validate(
        {"name": "绿城广场示范区", "community_ids": [str(i) for i in ids], **fields}
    )
    now = harness.clock.now()
    return await harness.run(lambda s: areas.create_area(s, actor or district("zz-jinshui"), body, now))


async def _written(harness):  # type: ignore[no-untyped-def]
    return len(await harness.all(DemonstrationArea)), len(await harness.all(DemonstrationAreaCommunity))


@pytest.fixture
async def registry(harness_for):  # type: ignore[no-untyped-def]
    return await harness_for("registry", SUBSCRIPTIONS)


async def test_a_district_designates_an_area_of_three_communities_and_reads_it_back(registry) -> None:  # type: ignore[no-untyped-def]
    ids = [await _community(registry) for _ in range(3)]
    area = await _designate(registry, ids, area_km2="1.05")
    assert (area.programme_code, area.district_code, str(area.area_km2)) == (
        "zhengzhou-2018",
        "zz-jinshui",
        "1.05",
    )
    assert area.community_ids == sorted(ids, key=str)
    read = await registry.run(lambda s: areas.get_area(s, office(), area.id))
    assert read.community_ids == area.community_ids
    page, total = await registry.run(
        lambda s: areas.list_areas(
            s, district("kf-gulou"), programme_code=None, district_code=None, limit=10, offset=0
        )
    )
    assert (page, total) == ([], 0)
    assert (await registry.audit_actions())[-1] == "demonstration_area.designated"


async def test_fewer_communities_than_the_profile_asks_are_refused_and_nothing_is_written(registry) -> None:  # type: ignore[no-untyped-def]
    ids = [await _community(registry) for _ in range(2)]
    with pytest.raises(RuleViolation) as caught:
        await _designate(registry, ids)
    assert [(p.field, p.rule) for p in caught.value.errors] == [("community_ids", "demonstration_area_size")]
    assert "四(一)" in caught.value.detail
    assert await _written(registry) == (0, 0)


async def test_a_programme_without_areas_refuses_one(registry) -> None:  # type: ignore[no-untyped-def]
    ids = [await _community(registry, "zhengzhou-2019") for _ in range(3)]
    with pytest.raises(RuleViolation) as caught:
        await _designate(registry, ids)
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("community_ids", "demonstration_area_programme")
    ]


async def test_communities_of_two_programmes_or_listed_twice_or_elsewhere_are_refused(registry) -> None:  # type: ignore[no-untyped-def]
    ids = [await _community(registry) for _ in range(3)]
    other_programme = await _community(registry, "zhengzhou-2019")
    with pytest.raises(RuleViolation) as caught:
        await _designate(registry, [*ids, other_programme])
    assert [(p.field, p.rule) for p in caught.value.errors] == [("community_ids", "same_programme")]
    with pytest.raises(RuleViolation) as caught:
        await _designate(registry, [*ids, ids[0]])
    assert [(p.field, p.rule) for p in caught.value.errors] == [("community_ids.3", "unique")]
    kaifeng = await _community(registry, "kaifeng-2019")
    with pytest.raises(RuleViolation) as caught:
        await _designate(registry, [*ids, kaifeng])
    assert [(p.field, p.rule) for p in caught.value.errors] == [("community_ids.3", "exists")]
    with pytest.raises(Forbidden):
        await _designate(registry, ids, actor=office())
    assert await _written(registry) == (0, 0)


async def test_a_community_is_in_one_area_at_most(registry) -> None:  # type: ignore[no-untyped-def]
    ids = [await _community(registry) for _ in range(4)]
    await _designate(registry, ids[:3])
    with pytest.raises(Conflict) as caught:
        await _designate(registry, ids[1:])
    assert [(p.field, p.rule) for p in caught.value.errors] == [
        ("community_ids.0", "one_area_per_community"),
        ("community_ids.1", "one_area_per_community"),
    ]
    assert await _written(registry) == (1, 3)


async def test_a_project_in_an_area_is_bound_by_the_area_deadlines(registry) -> None:  # type: ignore[no-untyped-def]
    project = await open_project(registry, "zhengzhou-2018")
    now = registry.clock.now()
    rows = await registry.run(lambda s: deadlines.project_deadlines(s, office(), project.id, now))
    assert rows == []
    others = [await _community(registry) for _ in range(2)]
    await _designate(registry, [project.community_id, *others])
    rows = await registry.run(lambda s: deadlines.project_deadlines(s, office(), project.id, now))
    assert [(r.code, r.status) for r in rows] == [
        ("demonstration-plans", "overdue"),
        ("demonstration-built", "overdue"),
        ("demonstration-accepted", "overdue"),
    ]
    page, total = await registry.run(
        lambda s: deadlines.overdue_steps(
            s, office(), now, programme_code="zhengzhou-2018", district_code=None, limit=10, offset=0
        )
    )
    assert total == 3 and {r.project_id for r in page} == {project.id}

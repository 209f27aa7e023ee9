"""A project may renovate a contiguous group of communities (集中连片, Kaifeng 二(三); #8 "one
community or a contiguous group"): the further communities are checked, kept with the project, carried
on ProjectRegistered and found from each community's history."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.registry.handlers import SUBSCRIPTIONS, communities, projects
from services.registry.models.projects import Project, ProjectCommunity, ProjectCreate
from shared.errors import RuleViolation
from tests.handlers.harness import ServiceHarness
from tests.handlers.registry.walk import INVESTMENT_FEN, community_create, district, office

KAIFENG = "kaifeng-2019"
GULOU = "kf-gulou"


async def _community(
    harness: ServiceHarness, name: str, programme: str = KAIFENG, **fields: Any
) -> uuid.UUID:
    actor = district(fields.pop("district_code", GULOU))
    create = community_create(programme, name=name, address=f"{name}1号", **fields)
    if create.district_code != actor.district_code:
        create = create.model_copy(update={"district_code": actor.district_code})
    now = harness.clock.now()
    return (await harness.run(lambda s: communities.register_community(s, actor, create, now))).id


async def _open(harness: ServiceHarness, lead: uuid.UUID, grouped: list[uuid.UUID]) -> Any:
    create = ProjectCreate(
        name="鼓楼区集中连片改造",
        investment_fen=INVESTMENT_FEN,
        community_id=lead,
        grouped_community_ids=grouped,
    )
    now = harness.clock.now()
    return await harness.run(lambda s: projects.register_project(s, district(GULOU), create, now))


async def test_a_group_is_kept_announced_and_found_from_each_community(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    lead, second, third = [await _community(harness, n) for n in ("书店街小区", "双龙巷小区", "财政厅街小区")]
    project = await _open(harness, lead, [third, second])
    assert (project.community_id, project.grouped_community_ids) == (lead, [third, second])

    (event,) = [e.data for e in await harness.outbox() if e.type == "registry.project.registered.v1"]
    assert (event["community_id"], event["grouped_community_ids"]) == (str(lead), [str(third), str(second)])
    assert {(r.project_id, r.community_id) for r in await harness.all(ProjectCommunity)} == {
        (project.id, second),
        (project.id, third),
    }
    read = await harness.read(projects.get_project, office(), project.id)
    assert read.grouped_community_ids == [third, second]
    for member in (lead, second, third):
        history = await harness.run(lambda s, m=member: communities.history(s, office(), m))
        assert [p.id for p in history.projects] == [project.id]


async def test_one_community_has_an_empty_group(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await _open(harness, await _community(harness, "书店街小区"), [])
    assert project.grouped_community_ids == []
    assert await harness.all(ProjectCommunity) == []


async def test_each_community_that_cannot_join_the_group_is_named_and_nothing_is_opened(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    lead = await _community(harness, "书店街小区")
    fine = await _community(harness, "双龙巷小区")
    too_new = await _community(harness, "新建小区", built_year=2005)  # 二(一): built before 2000
    elsewhere = await _community(harness, "北门小区", district_code="kf-longting")
    before = (await harness.outbox_types(), await harness.audit_actions())
    with pytest.raises(RuleViolation) as refused:
        await _open(harness, lead, [fine, lead, too_new, elsewhere, uuid.uuid4(), fine])
    assert [(p.field, p.rule) for p in refused.value.errors] == [
        ("grouped_community_ids.1", "unique"),
        ("grouped_community_ids.2", "eligible_community"),
        ("grouped_community_ids.3", "exists"),
        ("grouped_community_ids.4", "exists"),
        ("grouped_community_ids.5", "unique"),
    ]
    assert (await harness.outbox_types(), await harness.audit_actions()) == before
    assert await harness.all(Project) == []


async def test_a_community_of_another_programme_cannot_join(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    jinshui = district("zz-jinshui")
    now = harness.clock.now()
    lead = await harness.run(
        lambda s: communities.register_community(s, jinshui, community_create("zhengzhou-2019"), now)
    )
    other = await harness.run(
        lambda s: communities.register_community(
            s, jinshui, community_create("zhengzhou-2018", name="纬五路小区", address="纬五路1号"), now
        )
    )
    create = ProjectCreate(
        name="金水区集中连片改造",
        investment_fen=INVESTMENT_FEN,
        community_id=lead.id,
        grouped_community_ids=[other.id],
    )
    with pytest.raises(RuleViolation) as refused:
        await harness.run(lambda s: projects.register_project(s, jinshui, create, now))
    assert [(p.field, p.rule) for p in refused.value.errors] == [
        ("grouped_community_ids.0", "same_programme")
    ]

"""The ledger keeps every surveyed community with its eligibility outcome and reasons (clauses
cited); only eligible ones open projects; a correction re-assesses without overwriting."""

from __future__ import annotations

import pytest

from services.registry.handlers import SUBSCRIPTIONS, communities, projects
from services.registry.models.communities import Classification, Reassessment
from services.registry.models.projects import ProjectCreate
from shared.errors import RuleViolation
from tests.handlers.registry.walk import community_create, district, office, project_outbox_types


async def _register(harness, programme: str = "zhengzhou-2019", **fields):  # type: ignore[no-untyped-def]
    actor = district(community_create(programme).district_code)
    now = harness.clock.now()
    return await harness.run(
        lambda s: communities.register_community(s, actor, community_create(programme, **fields), now)
    )


async def test_an_ineligible_community_is_recorded_with_every_reason_and_its_clause(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness, built_year=2005, exclusions=["shanty-town-programme"])
    assert community.eligible is False
    failed = {r["code"]: r for r in community.eligibility if not r["passed"]}
    assert set(failed) == {"built-year", "shanty-town-programme"}
    assert failed["built-year"]["clause"] == "郑政文〔2019〕62号 二"
    assert failed["built-year"]["field"] == "built_year"
    assert all(r["clause"].startswith("郑政文〔2019〕62号") for r in community.eligibility)
    assert await harness.audit_actions() == ["community.registered"]


async def test_only_an_eligible_community_opens_a_project(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness, built_year=2005)
    create = ProjectCreate(name="新小区整治", investment_fen=1, community_id=community.id)
    with pytest.raises(RuleViolation) as caught:
        await harness.run(lambda s: projects.register_project(s, district(), create, harness.clock.now()))
    assert [(p.field, p.rule) for p in caught.value.errors] == [("community_id", "eligible_community")]
    assert "二" in caught.value.errors[0].message
    assert await project_outbox_types(harness) == []


async def test_a_correction_re_assesses_and_keeps_the_first_assessment(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness, built_year=2005)
    correction = Reassessment(built_year=1998, exclusions=[], note="竣工年份录入错误，按房产证更正")
    now = harness.clock.now()
    corrected = await harness.run(
        lambda s: communities.reassess(s, district(), community.id, correction, now)
    )
    assert corrected.eligible is True and corrected.built_year == 1998
    history = await harness.run(lambda s: communities.assessments(s, office(), community.id))
    assert [(a.built_year, a.eligible, a.note) for a in history] == [
        (2005, False, None),
        (1998, True, "竣工年份录入错误，按房产证更正"),
    ]
    assert await harness.audit_actions() == ["community.registered", "community.reassessed"]
    create = ProjectCreate(name="整治", investment_fen=1, community_id=community.id)
    opened = await harness.run(lambda s: projects.register_project(s, district(), create, now))
    assert opened.status == "opened"


async def test_kaifeng_library_tiers_come_from_the_profile(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness, "kaifeng-2019")
    actor = district("kf-gulou")
    now = harness.clock.now()
    with pytest.raises(RuleViolation) as caught:
        await harness.run(
            lambda s: communities.classify(s, actor, community.id, Classification(tier="someday"), now)
        )
    assert [(p.field, p.rule) for p in caught.value.errors] == [("tier", "programme_tier")]
    tier = "implement"
    classified = await harness.run(
        lambda s: communities.classify(
            s, actor, community.id, Classification(tier=tier, demonstration=True, centrally_funded=True), now
        )
    )
    assert (classified.tier, classified.demonstration, classified.centrally_funded) == (tier, True, True)


async def test_the_list_is_filtered_paged_in_a_stable_order_with_a_total(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    made = [
        await _register(harness, name=f"小区{i}", built_year=1990 + i * 5) for i in range(4)
    ]  # 2005 ineligible
    eligible_ids = [c.id for c in made if c.eligible]

    async def page(**kw):  # type: ignore[no-untyped-def]
        filters = {"eligible": kw.pop("eligible", None), "district_code": kw.pop("district_code", None)}
        return await harness.run(lambda s: communities.list_communities(s, office(), filters=filters, **kw))

    first, total = await page(eligible=True, limit=2, offset=0)
    second, _ = await page(eligible=True, limit=2, offset=2)
    everything, _ = await page(eligible=True, limit=10, offset=0)
    assert total == 3 and len(first) == 2 and len(second) == 1
    assert [c.id for c in first + second] == [c.id for c in everything]  # pages tile one stable order
    assert {c.id for c in everything} == set(eligible_ids)
    assert (await page(district_code="zz-erqi", limit=10, offset=0))[1] == 0
    erqi_sees, erqi_total = await harness.run(
        lambda s: communities.list_communities(s, district("zz-erqi"), filters={}, limit=10, offset=0)
    )
    assert (erqi_sees, erqi_total) == ([], 0)

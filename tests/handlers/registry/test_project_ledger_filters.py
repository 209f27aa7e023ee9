"""GET /projects filters by the community's ledger classification (library tier, demonstration,
central-fund list) and by overdue steps, keeping the total and one stable order across pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.registry.handlers import SUBSCRIPTIONS, communities, deadlines, projects
from services.registry.models.communities import Classification
from services.registry.models.projects import ProjectCreate
from shared.clock import FixedClock
from tests.handlers.registry.walk import UNFILTERED, community_create, district, office, open_project


async def _list(harness, actor=None, **filters):  # type: ignore[no-untyped-def]
    now = harness.clock.now()
    args = {**UNFILTERED, "now": now, **filters}
    page, total = await harness.run(lambda s: projects.list_projects(s, actor or office(), **args))
    return [p.name for p in page], total


async def _kaifeng_project(harness, name: str, classification: Classification | None):  # type: ignore[no-untyped-def]
    harness.clock.advance(timedelta(minutes=1))  # oldest first: each project a minute later
    actor, now = district("kf-gulou"), harness.clock.now()
    body = community_create("kaifeng-2019", name=name)
    community = await harness.run(lambda s: communities.register_community(s, actor, body, now))
    if classification is not None:
        await harness.run(lambda s: communities.classify(s, actor, community.id, classification, now))
    create = ProjectCreate(name=name, investment_fen=100, community_id=community.id)
    return await harness.run(lambda s: projects.register_project(s, actor, create, now))


async def test_projects_filter_by_their_communitys_tier_demonstration_and_central_fund_listing(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    await _kaifeng_project(harness, "示范", Classification(tier="implement", demonstration=True))
    await _kaifeng_project(harness, "中央", Classification(tier="plan", centrally_funded=True))
    await _kaifeng_project(harness, "储备", Classification(tier="reserve"))
    await _kaifeng_project(harness, "未分类", None)
    assert await _list(harness, tier="implement") == (["示范"], 1)
    assert await _list(harness, demonstration=True) == (["示范"], 1)
    assert await _list(harness, centrally_funded=True) == (["中央"], 1)
    assert await _list(harness, centrally_funded=False) == (["示范", "储备", "未分类"], 3)
    assert await _list(harness, tier="plan", centrally_funded=False) == ([], 0)
    first = await _list(harness, centrally_funded=False, limit=2, offset=0)
    second = await _list(harness, centrally_funded=False, limit=2, offset=2)
    assert (first, second) == ((["示范", "储备"], 3), (["未分类"], 3))  # pages tile, total kept
    assert await _list(harness, district("zz-jinshui"), demonstration=True) == ([], 0)


async def test_overdue_lists_the_projects_the_overdue_steps_name_and_its_negation_the_rest(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    late = await open_project(harness, "zhongyuan-2013")  # every dated step has passed by 2026
    await _kaifeng_project(harness, "未分类", None)
    now = harness.clock.now()
    rows, _ = await harness.run(
        lambda s: deadlines.overdue_steps(
            s, office(), now, programme_code=None, district_code=None, limit=100, offset=0
        )
    )
    named = {r.name for r in rows}
    assert late.name in named
    everything, total = await _list(harness)
    overdue, overdue_total = await _list(harness, overdue=True)
    on_time, on_time_total = await _list(harness, overdue=False)
    assert set(overdue) == named and overdue_total == len(named)
    assert set(on_time) == set(everything) - named and overdue_total + on_time_total == total
    assert await _list(harness, overdue=True, programme_code="kaifeng-2019") == (
        [n for n in everything if n in named and n != late.name],
        len(named - {late.name}),
    )


async def test_before_any_deadline_has_passed_no_project_is_overdue(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    harness.clock = FixedClock(datetime(2013, 7, 20, 2, 0, tzinfo=UTC))
    project = await open_project(harness, "zhongyuan-2013")
    assert await _list(harness, overdue=True) == ([], 0)
    assert await _list(harness, overdue=False) == ([project.name], 1)


async def test_communities_filter_by_having_an_overdue_project(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    late = await open_project(harness, "zhongyuan-2013")
    harness.clock.advance(timedelta(minutes=1))
    now, body = harness.clock.now(), community_create("zhongyuan-2013", name="未立项小区")
    fresh = await harness.run(
        lambda s: communities.register_community(s, district("zz-zhongyuan"), body, now)
    )

    async def page(overdue: bool):  # type: ignore[no-untyped-def]
        found, total = await harness.run(
            lambda s: communities.list_communities(
                s, office(), filters={}, limit=10, offset=0, overdue=overdue, now=harness.clock.now()
            )
        )
        return [c.id for c in found], total

    assert await page(True) == ([late.community_id], 1)
    assert await page(False) == ([fresh.id], 1)

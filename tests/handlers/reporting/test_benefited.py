"""Households and floor area benefited: what an accepted project renovated, group included, counted
from its acceptance date (the issue's "households and floor area benefited")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.registry.handlers import SUBSCRIPTIONS as REGISTRY
from services.registry.handlers import communities, projects
from services.registry.models.projects import ProjectCreate
from services.reporting.domain.periods import Period, period_span
from services.reporting.handlers import SUBSCRIPTIONS
from services.reporting.handlers.rollups import district_rollup
from shared.contracts.registry import ProjectAccepted
from tests.handlers.registry.walk import DISTRICTS, community_create, district, walk
from tests.handlers.reporting.events import office

PROGRAMME = "zhengzhou-2019"


async def test_an_accepted_group_project_benefits_every_household_of_its_communities(harness_for) -> None:  # type: ignore[no-untyped-def]
    registry = await harness_for("registry", REGISTRY)
    reporting = await harness_for("reporting", SUBSCRIPTIONS)
    code = DISTRICTS[PROGRAMME]
    actor = district(code)
    registry.programme, registry.actor = PROGRAMME, actor  # type: ignore[attr-defined]
    now = registry.clock.now()
    lead = await registry.run(
        lambda s: communities.register_community(s, actor, community_create(PROGRAMME), now)
    )
    neighbour = community_create(PROGRAMME, name="文化路5号院", households=80, floor_area_m2="4999.51")
    other = await registry.run(lambda s: communities.register_community(s, actor, neighbour, now))
    create = ProjectCreate(
        name="文化路集中连片整治",
        investment_fen=1_000_000_00,
        community_id=lead.id,
        grouped_community_ids=[other.id],
    )
    project = await registry.run(lambda s: projects.register_project(s, actor, create, now))
    await walk(registry, project.id, "acceptance")

    (accepted,) = [e for e in await registry.outbox() if e.type == ProjectAccepted.TYPE]
    assert (accepted.data["households"], Decimal(accepted.data["floor_area_m2"])) == (
        320 + 80,
        Decimal("30000.01"),
    )
    for envelope in await registry.outbox():
        if envelope.type in SUBSCRIPTIONS:
            await reporting.redeliver(envelope)
    on = date.fromisoformat(accepted.data["accepted_on"])
    rollup = await reporting.run(
        lambda s: district_rollup(s, office(), code, period_span(Period.DAY, on), PROGRAMME)
    )
    assert (rollup.benefited_households, rollup.benefited_floor_area_dm2) == (400, 3_000_001)


async def test_an_acceptance_written_before_the_sizes_were_stated_benefits_nothing_more(harness_for) -> None:  # type: ignore[no-untyped-def]
    reporting = await harness_for("reporting", SUBSCRIPTIONS)
    old = ProjectAccepted.model_validate(
        {
            "project_id": "5f0c3c1e-8a39-4d39-9d5c-3f3e1a9f0b11",
            "community_id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "district_code": "zz-jinshui",
            "programme_code": PROGRAMME,
            "investment_fen": 100,
            "accepted_on": "2026-05-01",
        }
    )
    assert await reporting.deliver(old) == "handled"
    rollup = await reporting.run(lambda s: district_rollup(s, office(), "zz-jinshui", None, PROGRAMME))
    assert (rollup.accepted_projects, rollup.benefited_households, rollup.benefited_floor_area_dm2) == (
        1,
        0,
        0,
    )

"""Classifying a community onto the central-fund list: refused where the programme has no list,
and nothing changes; Kaifeng's list takes it (the rest of classification is unchanged)."""

from __future__ import annotations

import pytest

from services.registry.handlers import SUBSCRIPTIONS, communities
from services.registry.models.communities import Classification, Community
from shared.errors import RuleViolation
from tests.handlers.registry.walk import community_create, district


async def _register(harness, programme):  # type: ignore[no-untyped-def]
    body = community_create(programme)
    now = harness.clock.now()
    return await harness.run(
        lambda s: communities.register_community(s, district(body.district_code), body, now)
    )


async def test_a_zhengzhou_community_cannot_be_put_on_a_central_fund_list_it_does_not_have(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness, "zhengzhou-2019")
    now = harness.clock.now()
    with pytest.raises(RuleViolation) as caught:
        await harness.run(
            lambda s: communities.classify(
                s, district("zz-jinshui"), community.id, Classification(centrally_funded=True), now
            )
        )
    assert [(p.field, p.rule) for p in caught.value.errors] == [("centrally_funded", "central_fund_list")]
    (stored,) = await harness.all(Community)
    assert stored.centrally_funded is False


async def test_a_kaifeng_community_goes_on_the_list_and_stays_on_it_when_reclassified(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    community = await _register(harness, "kaifeng-2019")
    now = harness.clock.now()
    for tier in ("plan", "implement"):
        body = Classification(tier=tier, centrally_funded=True)
        classified = await harness.run(
            lambda s, body=body: communities.classify(s, district("kf-gulou"), community.id, body, now)
        )
        assert (classified.tier, classified.centrally_funded) == (tier, True)

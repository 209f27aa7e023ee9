"""Property takeover (物业接管): Zhongyuan's modes (三(三)) and the eight or four haves (三(二)),
and the community's floor area on PropertyTakenOver for funding's property-service subsidy."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.registry.handlers import SUBSCRIPTIONS
from services.registry.models.takeover import PropertyTakeover
from shared.errors import RuleViolation
from shared.policy import get_profile
from tests.handlers.registry.walk import act, open_project, walk

EIGHT = [
    item.code
    for item in next(s for s in get_profile("zhongyuan-2013").service_levels if s.code == "eight-haves").items
]


def _takeover(mode: str, level: str | None, commitments: list[str]) -> PropertyTakeover:
    return PropertyTakeover.model_validate(
        {
            "taken_over_on": "2026-11-05",
            "mode": mode,
            "manager": "某物业服务有限公司",
            "service_level": level,
            "commitments": commitments,
        }
    )


async def _accepted(harness_for, programme="zhongyuan-2013"):  # type: ignore[no-untyped-def]
    harness = await harness_for("registry", SUBSCRIPTIONS)
    project = await open_project(harness, programme)
    await walk(harness, project.id, "acceptance")
    return harness, project


async def test_a_professional_company_committing_to_the_eight_haves_takes_over_with_the_floor_area(
    harness_for,
) -> None:  # type: ignore[no-untyped-def]
    harness, project = await _accepted(harness_for)
    taken = await act(
        harness, project.id, "property-takeover", _takeover("professional-company", "eight-haves", EIGHT)
    )
    assert taken.status == "taken_over"
    event = (await harness.outbox())[-1]
    assert event.type == "registry.project.property_taken_over.v1"
    assert (event.data["mode"], event.data["service_level"], event.data["commitments"]) == (
        "professional-company",
        "eight-haves",
        EIGHT,
    )
    assert Decimal(str(event.data["floor_area_m2"])) == Decimal("25000.50")


@pytest.mark.parametrize(
    ("mode", "level", "commitments", "field", "rule"),
    [
        ("owner-self-management", "four-haves", [], "mode", "takeover_mode"),
        (
            "community-intervention",
            "eight-haves",
            ["cleaning", "waste-removal", "order-maintenance", "routine-repair"],
            "commitments",
            "service_level_items",
        ),
        ("logistics-management", "eight-haves", EIGHT[:-1], "commitments", "service_level_items"),
    ],
)
async def test_a_mode_or_commitments_outside_the_profile_are_refused_and_nothing_is_taken_over(
    harness_for, mode, level, commitments, field, rule
) -> None:  # type: ignore[no-untyped-def]
    harness, project = await _accepted(harness_for)
    before = await harness.outbox_types()
    with pytest.raises(RuleViolation) as caught:
        await act(harness, project.id, "property-takeover", _takeover(mode, level, commitments))
    assert [(p.field, p.rule) for p in caught.value.errors] == [(field, rule)]
    assert await harness.outbox_types() == before


async def test_a_programme_without_service_levels_carries_the_floor_area_too(harness_for) -> None:  # type: ignore[no-untyped-def]
    harness, project = await _accepted(harness_for, "kaifeng-2019")
    await act(harness, project.id, "property-takeover", _takeover("owner-self-management", None, []))
    event = (await harness.outbox())[-1]
    assert event.data["service_level"] is None and Decimal(str(event.data["floor_area_m2"])) > 0

"""Every community event states the ledger entry's facts the same way, plus what it is about."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from services.registry.domain.community_events import (
    FACTS,
    community_classified,
    community_reassessed,
    community_registered,
    community_registered_from_row,
)
from services.registry.models.communities import Community

ON = date(2019, 6, 3)
NOW = datetime(2019, 6, 3, 2, 0, tzinfo=UTC)


def _community() -> Community:
    # Every fact differs from the event's default, so a fact left out shows.
    return Community(
        id=uuid.uuid4(),
        name="鼓楼区书店街5号院",
        district_code="kf-gulou",
        street_office="相国寺街道",
        programme_code="kaifeng-2019",
        built_year=1992,
        buildings=4,
        households=210,
        floor_area_m2=Decimal("15000.25"),
        eligible=False,
        tier="plan",
        demonstration=True,
        centrally_funded=True,
        created_at=NOW,
        updated_at=NOW,
    )


def _facts(community: Community) -> dict[str, object]:
    return {
        "community_id": community.id,
        "programme_code": "kaifeng-2019",
        "district_code": "kf-gulou",
        "street_office": "相国寺街道",
        "eligible": False,
        "households": 210,
        "floor_area_m2": Decimal("15000.25"),
        "tier": "plan",
        "demonstration": True,
        "centrally_funded": True,
    }


def _stated(event: object) -> dict[str, object]:
    return {name: getattr(event, name) for name in ("community_id", *FACTS)}


def test_registration_states_the_facts_name_and_day() -> None:
    community = _community()
    event = community_registered(community, ON)
    assert _stated(event) == _facts(community)
    assert (event.name, event.registered_on) == ("鼓楼区书店街5号院", ON)


def test_registration_from_a_bulk_row_states_the_same_as_from_the_model() -> None:
    community = _community()
    row = {"id": community.id, "name": community.name, **{n: getattr(community, n) for n in FACTS}}
    assert community_registered_from_row(row, ON) == community_registered(community, ON)


def test_a_reassessment_states_the_facts_and_the_eligibility_before() -> None:
    community = _community()
    event = community_reassessed(community, was_eligible=True, reassessed_on=ON)
    assert _stated(event) == _facts(community)
    assert (event.was_eligible, event.reassessed_on) == (True, ON)


def test_a_classification_states_the_facts_and_the_classification_before() -> None:
    community = _community()
    event = community_classified(community, was=("reserve", False, False), classified_on=ON)
    assert _stated(event) == _facts(community)
    assert (event.was_tier, event.was_demonstration, event.was_centrally_funded, event.classified_on) == (
        "reserve",
        False,
        False,
        ON,
    )
    flipped = community_classified(community, was=(None, True, True), classified_on=ON)
    assert (flipped.was_tier, flipped.was_demonstration, flipped.was_centrally_funded) == (None, True, True)

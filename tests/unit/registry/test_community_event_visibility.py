"""Who hears the ledger's community events: the district's own organisations, the departments and
the office; never another district, never a utility (no community is pipeline work of theirs)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from shared.access import OrganisationKind, Principal, sees_event
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import CommunityClassified, CommunityReassessed, CommunityRegistered

JINSHUI = "zz-jinshui"
FACTS = {
    "community_id": uuid.uuid4(),
    "programme_code": "zhengzhou-2019",
    "district_code": JINSHUI,
    "street_office": "文化路街道",
    "eligible": True,
    "households": 320,
    "floor_area_m2": Decimal("25000.50"),
}
EVENTS = [
    CommunityRegistered(**FACTS, name="文化路3号院", registered_on=date(2026, 11, 20)),
    CommunityReassessed(**FACTS, was_eligible=False, reassessed_on=date(2026, 11, 20)),
    CommunityClassified(**FACTS, classified_on=date(2026, 11, 20)),
]
HEARS = {
    Principal("c", JINSHUI, OrganisationKind.DISTRICT, district_code=JINSHUI): True,
    Principal("c", "zz-jinshui-wenhualu", OrganisationKind.STREET_OFFICE, district_code=JINSHUI): True,
    Principal("c", "finance", OrganisationKind.DEPARTMENT): True,
    Principal("c", "zz-renovation-office", OrganisationKind.OFFICE): True,
    Principal("c", "zz-erqi", OrganisationKind.DISTRICT, district_code="zz-erqi"): False,
    Principal("c", "zz-erqi-jiefanglu", OrganisationKind.STREET_OFFICE, district_code="zz-erqi"): False,
    Principal("c", "power", OrganisationKind.UTILITY): False,
}


@pytest.mark.parametrize("payload", EVENTS, ids=lambda p: p.TYPE)
@pytest.mark.parametrize("principal", list(HEARS), ids=lambda p: p.org_code)
def test_a_community_event_is_heard_by_its_district_departments_and_office_only(payload, principal) -> None:  # type: ignore[no-untyped-def]
    envelope = CloudEvent.wrap(payload)
    assert envelope.districtcode == JINSHUI
    assert sees_event(principal, envelope.type, envelope.districtcode, envelope.data) is HEARS[principal]

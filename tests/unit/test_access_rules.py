"""The pure access rules the route and event tests reach only indirectly: who sees a district,
which district a list is narrowed to, the actor a service records for itself, and events of a
producer the rules do not know (killing the survivors of `scripts/mutation.py access`)."""

from __future__ import annotations

import pytest

from shared.access import (
    OrganisationKind,
    Principal,
    sees_district,
    sees_event,
    system_actor,
    visible_district,
)

JINSHUI, ERQI = "zz-jinshui", "zz-erqi"


def principal(kind: OrganisationKind, district: str | None = None, code: str = "org") -> Principal:
    return Principal(subject="u", org_code=code, org_kind=kind, district_code=district)


@pytest.mark.parametrize(
    ("who", "sees_own", "sees_other"),
    [
        (principal(OrganisationKind.OFFICE), True, True),
        (principal(OrganisationKind.DEPARTMENT), True, True),
        (principal(OrganisationKind.DISTRICT, JINSHUI), True, False),
        (principal(OrganisationKind.STREET_OFFICE, JINSHUI), True, False),
        (principal(OrganisationKind.UTILITY, JINSHUI), False, False),
    ],
    ids=["office", "department", "district", "street office", "utility"],
)
def test_who_reads_a_districts_records(who: Principal, sees_own: bool, sees_other: bool) -> None:
    assert sees_district(who, JINSHUI) is sees_own
    assert sees_district(who, ERQI) is sees_other


def test_lists_are_narrowed_to_the_callers_district_only_when_it_is_district_bound() -> None:
    assert visible_district(principal(OrganisationKind.DISTRICT, JINSHUI)) == JINSHUI
    assert visible_district(principal(OrganisationKind.STREET_OFFICE, JINSHUI)) == JINSHUI
    assert visible_district(principal(OrganisationKind.OFFICE)) is None
    assert visible_district(principal(OrganisationKind.DEPARTMENT, JINSHUI)) is None


def test_a_service_records_its_own_writes_as_a_system_office_actor() -> None:
    actor = system_actor("funding")
    assert (actor.subject, actor.org_code, actor.org_kind) == (
        "system:funding",
        "system",
        OrganisationKind.OFFICE,
    )
    assert actor.district_code is None and actor.scopes == frozenset()


@pytest.mark.parametrize(
    "who",
    [principal(OrganisationKind.OFFICE), principal(OrganisationKind.DISTRICT, JINSHUI)],
    ids=["office", "district"],
)
def test_an_event_of_an_unknown_producer_is_heard_by_no_one(who: Principal) -> None:
    assert not sees_event(who, "audit.entry.recorded.v1", JINSHUI, {"district_code": JINSHUI})
    assert sees_event(who, "registry.project.accepted.v1", JINSHUI, {"district_code": JINSHUI})

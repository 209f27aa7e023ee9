"""Who may hear which event: the same rules as the HTTP reads (shared/access.py), as a matrix.

A district hears its own district only; a street office its district's; a utility no money and
no ledger event except pipeline work assigned to it; departments (Finance among them) and the
leading-group office hear everything a read would show them.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.access import (
    EventFamily,
    OrganisationKind,
    Principal,
    event_district,
    event_family,
    may_subscribe,
    sees_event,
)

JINSHUI, ERQI = "zz-jinshui", "zz-erqi"

READERS = {
    "jinshui": Principal("c", JINSHUI, OrganisationKind.DISTRICT, district_code=JINSHUI),
    "jinshui-street": Principal(
        "c", "zz-jinshui-wenhualu", OrganisationKind.STREET_OFFICE, district_code=JINSHUI
    ),
    "erqi": Principal("c", ERQI, OrganisationKind.DISTRICT, district_code=ERQI),
    "power": Principal("c", "power", OrganisationKind.UTILITY),
    "gas": Principal("c", "gas", OrganisationKind.UTILITY),
    "finance": Principal("c", "finance", OrganisationKind.DEPARTMENT),
    "housing": Principal("c", "housing", OrganisationKind.DEPARTMENT),
    "office": Principal("c", "zz-renovation-office", OrganisationKind.OFFICE),
}

EVENTS: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "jinshui project registered": (
        "registry.project.registered.v1",
        JINSHUI,
        {"district_code": JINSHUI, "name": "x", "investment_fen": 1},
    ),
    "jinshui project accepted": ("registry.project.accepted.v1", JINSHUI, {"district_code": JINSHUI}),
    "erqi project accepted": ("registry.project.accepted.v1", ERQI, {"district_code": ERQI}),
    "jinshui subsidy approved": ("funding.subsidy.approved.v1", JINSHUI, {"district_code": JINSHUI}),
    "jinshui pipeline work for power": (
        "registry.project.pipeline_work_assigned.v1",
        JINSHUI,
        {"district_code": JINSHUI, "utility_code": "power"},
    ),
    "jinshui subsidy paid to power's work (money)": (
        "funding.subsidy.disbursed.v1",
        JINSHUI,
        {"district_code": JINSHUI, "utility_codes": ["power"]},
    ),
    "jinshui district lagging": ("reporting.district.lagging.v1", JINSHUI, {"district_code": JINSHUI}),
    "mismatched districts": ("registry.project.accepted.v1", JINSHUI, {"district_code": ERQI}),
    "no district at all": ("registry.project.accepted.v1", None, {}),
    "unknown producer": ("supervision.inspection.due.v1", JINSHUI, {"district_code": JINSHUI}),
}

EVERYONE_BUT_UTILITIES = {"finance", "housing", "office"}
MATRIX: dict[str, set[str]] = {
    "jinshui project registered": {"jinshui", "jinshui-street", *EVERYONE_BUT_UTILITIES},
    "jinshui project accepted": {"jinshui", "jinshui-street", *EVERYONE_BUT_UTILITIES},
    "erqi project accepted": {"erqi", *EVERYONE_BUT_UTILITIES},
    "jinshui subsidy approved": {"jinshui", "jinshui-street", *EVERYONE_BUT_UTILITIES},
    "jinshui pipeline work for power": {"jinshui", "jinshui-street", "power", *EVERYONE_BUT_UTILITIES},
    "jinshui subsidy paid to power's work (money)": {"jinshui", "jinshui-street", *EVERYONE_BUT_UTILITIES},
    "jinshui district lagging": {"jinshui", "jinshui-street", *EVERYONE_BUT_UTILITIES},
    "mismatched districts": EVERYONE_BUT_UTILITIES,
    "no district at all": EVERYONE_BUT_UTILITIES,
    "unknown producer": set(),
}


@pytest.mark.parametrize("event_name", list(EVENTS))
@pytest.mark.parametrize("reader_name", list(READERS))
def test_each_reader_hears_exactly_the_events_it_may_read(event_name: str, reader_name: str) -> None:
    event_type, district, data = EVENTS[event_name]
    expected = reader_name in MATRIX[event_name]
    assert sees_event(READERS[reader_name], event_type, district, data) is expected, (event_name, reader_name)


def test_the_matrix_covers_every_event_and_names_only_known_readers() -> None:
    assert set(MATRIX) == set(EVENTS)
    assert set().union(*MATRIX.values()) <= set(READERS)


@pytest.mark.parametrize(
    ("event_type", "family"),
    [
        ("registry.project.accepted.v1", EventFamily.LEDGER),
        ("funding.subsidy.approved.v1", EventFamily.MONEY),
        ("reporting.district.lagging.v1", EventFamily.ROLLUP),
        ("registryx.project.accepted.v1", None),
        ("something.else.v1", None),
    ],
)
def test_an_event_family_is_its_producer_prefix(event_type: str, family: EventFamily | None) -> None:
    assert event_family(event_type) is family


@pytest.mark.parametrize(
    ("kind", "event_type", "allowed"),
    [
        (OrganisationKind.UTILITY, "funding.subsidy.approved.v1", False),
        (OrganisationKind.UTILITY, "reporting.district.lagging.v1", False),
        (OrganisationKind.UTILITY, "registry.project.accepted.v1", True),
        (OrganisationKind.DISTRICT, "funding.subsidy.approved.v1", True),
        (OrganisationKind.STREET_OFFICE, "registry.project.registered.v1", True),
        (OrganisationKind.DEPARTMENT, "funding.subsidy.approved.v1", True),
        (OrganisationKind.OFFICE, "reporting.district.lagging.v1", True),
        (OrganisationKind.OFFICE, "unknown.thing.v1", False),
    ],
)
def test_an_organisation_may_subscribe_only_to_families_its_kind_hears(
    kind: OrganisationKind, event_type: str, allowed: bool
) -> None:
    assert may_subscribe(kind, event_type) is allowed


def test_the_event_district_is_where_envelope_and_payload_agree() -> None:
    assert event_district(JINSHUI, {"district_code": JINSHUI}) == JINSHUI
    assert event_district(JINSHUI, {}) == JINSHUI
    assert event_district(None, {"district_code": ERQI}) == ERQI
    assert event_district(JINSHUI, {"district_code": ERQI}) is None
    assert event_district(None, {}) is None


def test_a_utility_named_in_a_list_of_assignees_hears_its_work() -> None:
    power = READERS["power"]
    data = {"district_code": JINSHUI, "assigned_utilities": ["gas", "power"]}
    assert sees_event(power, "registry.project.pipeline_work_assigned.v1", JINSHUI, data)
    assert not sees_event(
        READERS["gas"], "registry.project.pipeline_work_assigned.v1", JINSHUI, {"utility_code": "power"}
    )


def test_the_money_scope_follows_the_departments_the_profiles_name() -> None:
    """No department code is hard-coded: the scope goes to whoever a profile names to approve or
    pay an award (Finance in every bundled plan), and to nobody else."""
    from shared.access import Scope, default_scopes, money_departments
    from shared.policy import award_approver, award_payer, bundled_profiles

    named = {
        code
        for profile in bundled_profiles().values()
        if profile.funding and profile.funding.award
        for code in (award_approver(profile), award_payer(profile))
    }
    assert money_departments() == named == {"finance"}
    assert Scope.FUNDING_APPROVE in default_scopes(OrganisationKind.DEPARTMENT, "finance")
    assert Scope.FUNDING_APPROVE not in default_scopes(OrganisationKind.DEPARTMENT, "housing")

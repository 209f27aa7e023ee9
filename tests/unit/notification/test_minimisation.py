"""Payload minimisation per organisation kind, as a matrix over every published event type: each
role receives only the fields of its classes (shared/policy/projections.yaml), whatever channel
carries the event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from services.notification.domain.feed import page
from services.notification.domain.minimise import minimise, minimise_data, role_of
from shared.access import OrganisationKind, Principal
from shared.contracts.catalog import EVENT_TYPES
from shared.contracts.envelope import CloudEvent
from shared.policy.projections import Projections, bundled_projections, project_payload
from tests.contract.test_event_contracts import sample_payload

RULES = bundled_projections()
JINSHUI = "zz-jinshui"
READERS = {
    "office": Principal("c", "zz-renovation-office", OrganisationKind.OFFICE),
    "district": Principal("c", JINSHUI, OrganisationKind.DISTRICT, district_code=JINSHUI),
    "street_office": Principal("c", "zz-js-street", OrganisationKind.STREET_OFFICE, district_code=JINSHUI),
    "police": Principal("c", "police", OrganisationKind.DEPARTMENT),
    "fire": Principal("c", "fire", OrganisationKind.DEPARTMENT),
    "finance": Principal("c", "finance", OrganisationKind.DEPARTMENT),
    "power": Principal("c", "power", OrganisationKind.UTILITY),
}
SAMPLES = {t: sample_payload(c).model_dump(mode="json") for t, c in EVENT_TYPES.items()}


def keys(value: Any) -> set[str]:
    """Every key at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def of_class(value: Any, name: str) -> set[str]:
    return {k for k in keys(value) if RULES.class_of(k) == name}


def test_every_field_of_every_published_event_is_classified() -> None:
    """A field no class names is withheld from departments and utilities: classify new fields."""
    unclassified = {
        f"{t}:{k}" for t, data in SAMPLES.items() for k in keys(data) if RULES.class_of(k) is None
    }
    assert unclassified == set()


def test_readers_map_to_their_roles() -> None:
    roles = {name: role_of(reader) for name, reader in READERS.items()}
    assert roles == {
        "office": "office",
        "district": "district",
        "street_office": "street_office",
        "police": "department",
        "fire": "department",
        "finance": "money_department",  # the profile's award approver and payer
        "power": "utility",
    }


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
@pytest.mark.parametrize("reader", sorted(READERS))
def test_each_role_receives_exactly_its_classes(event_type: str, reader: str) -> None:
    data = SAMPLES[event_type]
    got = minimise_data(READERS[reader], event_type, data)
    role = role_of(READERS[reader])
    granted = RULES.roles[role]
    if granted == "all":
        assert got == data
        return
    assert {RULES.class_of(k) for k in keys(got)} <= set(granted)
    assert set(got) == {k for k in data if RULES.class_of(k) in granted}
    if role != "utility":  # a utility's work lists are cut to its own items
        for name in granted:
            assert of_class(got, name) == of_class(data, name), name


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_no_money_and_no_residents_data_reach_police_fire_or_utilities(event_type: str) -> None:
    for reader in ("police", "fire", "power"):
        got = minimise_data(READERS[reader], event_type, SAMPLES[event_type])
        assert of_class(got, "money") == set() and of_class(got, "residents") == set(), reader


def test_the_kinds_matrix_for_representative_events() -> None:
    accepted = SAMPLES["registry.project.accepted.v1"]
    police = minimise_data(READERS["police"], "registry.project.accepted.v1", accepted)
    assert set(police) == {
        "project_id",
        "community_id",
        "district_code",
        "programme_code",
        "accepted_on",
        "households",  # counts of the ledger, no personal data
        "floor_area_m2",
    }
    finance = minimise_data(READERS["finance"], "registry.project.accepted.v1", accepted)
    assert {"investment_fen", "accepted_investment_fen", "audited_investment_fen"} <= set(finance)
    consulted = SAMPLES["registry.project.residents_consulted.v1"]
    assert (
        minimise_data(READERS["district"], "registry.project.residents_consulted.v1", consulted) == consulted
    )
    fire = minimise_data(READERS["fire"], "registry.project.residents_consulted.v1", consulted)
    assert not {"households_consulted", "households_in_favour", "publicity_notice"} & set(fire)
    award = SAMPLES["funding.subsidy.approved.v1"]
    assert (
        minimise_data(READERS["finance"], "funding.subsidy.approved.v1", award)["amount_fen"]
        == award["amount_fen"]
    )


def test_a_utility_receives_its_own_items_and_codes_only() -> None:
    data = {
        "project_id": str(uuid4()),
        "district_code": JINSHUI,
        "programme_code": "zhengzhou-2019",
        "items": [
            {"item_code": "overhead-lines", "investment_fen": 100, "tasks": ["理线"]},  # power's (item 2)
            {"item_code": "fire-surveillance-security", "investment_fen": 200, "tasks": ["消防"]},
        ],
        "assigned_utilities": ["power", "telecom"],
        "started_on": "2026-10-01",
    }
    got = minimise_data(READERS["power"], "registry.project.construction_started.v1", data)
    assert got["items"] == [{"item_code": "overhead-lines", "tasks": ["理线"]}]
    assert got["assigned_utilities"] == ["power"] and got["started_on"] == "2026-10-01"


def test_an_unclassified_top_level_field_is_withheld_from_restricted_roles() -> None:
    data = {"project_id": "p", "surprise": "resident's phone 138…"}
    assert project_payload("department", data) == {"project_id": "p"}
    assert project_payload("utility", data) == {"project_id": "p"}
    assert project_payload("office", data) == data


def test_an_unknown_role_fails_closed() -> None:
    with pytest.raises(KeyError):
        project_payload("vendor", {"project_id": "p"})


def test_a_projection_file_naming_an_unknown_class_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown classes"):
        Projections.model_validate({"classes": {"identity": ["project_id"]}, "roles": {"x": ["money"]}})


def test_the_envelope_stays_a_cloudevent_with_data_projected() -> None:
    envelope = CloudEvent(
        specversion="1.0",
        id="e1",
        source="urn:renovation:registry",
        type="registry.project.accepted.v1",
        time=datetime(2026, 11, 20, tzinfo=UTC),
        data=SAMPLES["registry.project.accepted.v1"],
        districtcode=JINSHUI,
    )
    projected = minimise(READERS["police"], envelope)
    again = CloudEvent.from_bytes(projected.to_bytes())
    assert again.id == "e1" and again.type == envelope.type and "investment_fen" not in again.data


def test_the_pull_feed_projects_for_the_reader() -> None:
    class Row:
        seq = 1
        event_type = "registry.project.accepted.v1"
        district_code = JINSHUI
        assigned_utilities = None
        content = CloudEvent(
            specversion="1.0",
            id="e1",
            source="urn:renovation:registry",
            type="registry.project.accepted.v1",
            time=datetime(2026, 11, 20, tzinfo=UTC),
            data={**SAMPLES["registry.project.accepted.v1"], "district_code": JINSHUI},
            districtcode=JINSHUI,
        ).model_dump_json()

    (police,) = page(READERS["police"], [Row()], 0, 10).items
    (district,) = page(READERS["district"], [Row()], 0, 10).items
    assert "investment_fen" not in police["data"] and "investment_fen" in district["data"]

"""Who hears pipeline work events, and what a utility's token may do: the real payloads through
`shared.access` (the matrix every channel asks)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from shared.access import OrganisationKind, Principal, Scope, default_scopes, may_subscribe, sees_event
from shared.contracts.base import EventPayload
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import (
    PipelineWorkAssigned,
    PipelineWorkCompleted,
    PipelineWorkExempted,
    PipelineWorkStarted,
)

JINSHUI, ERQI = "zz-jinshui", "zz-erqi"
PROJECT = {
    "project_id": uuid.uuid4(),
    "community_id": uuid.uuid4(),
    "district_code": JINSHUI,
    "programme_code": "zhengzhou-2019",
}
WORK = {**PROJECT, "work_id": uuid.uuid4(), "item_code": "overhead-lines", "utility_code": "power"}
EVENTS: dict[str, EventPayload] = {
    "assigned": PipelineWorkAssigned(
        **WORK, scope="架空线入地", planned_start_on=date(2026, 5, 1), planned_end_on=date(2026, 7, 31)
    ),
    "started": PipelineWorkStarted(**WORK, started_on=date(2026, 5, 2)),
    "completed": PipelineWorkCompleted(
        **WORK, completed_on=date(2026, 8, 1), scope_done="完成", evidence_ref="竣工单-1"
    ),
    "exempted": PipelineWorkExempted(
        **PROJECT,
        work_ids=[WORK["work_id"]],
        utility_codes=["power"],
        reason="另行实施",
        exempted_on=date(2026, 8, 20),
    ),
}
READERS = {
    "power": Principal("c", "power", OrganisationKind.UTILITY),
    "telecom": Principal("c", "telecom", OrganisationKind.UTILITY),
    "jinshui": Principal("c", JINSHUI, OrganisationKind.DISTRICT, district_code=JINSHUI),
    "jinshui-street": Principal("c", "zz-jinshui-x", OrganisationKind.STREET_OFFICE, district_code=JINSHUI),
    "erqi": Principal("c", ERQI, OrganisationKind.DISTRICT, district_code=ERQI),
    "housing": Principal("c", "housing", OrganisationKind.DEPARTMENT),
    "office": Principal("c", "zz-renovation-office", OrganisationKind.OFFICE),
}
HEARS = {"power", "jinshui", "jinshui-street", "housing", "office"}


@pytest.mark.parametrize("event_name", list(EVENTS))
@pytest.mark.parametrize("reader", list(READERS))
def test_a_pipeline_event_is_heard_by_its_company_its_district_and_the_city_only(
    event_name: str, reader: str
) -> None:
    envelope = CloudEvent.wrap(EVENTS[event_name], event_id="e-1")
    data = envelope.model_dump(mode="json")["data"]
    heard = sees_event(READERS[reader], envelope.type, envelope.districtcode, data)
    assert heard is (reader in HEARS)


def test_a_utility_may_subscribe_to_pipeline_events_and_its_token_works_its_own_pipeline_only() -> None:
    assert all(may_subscribe(OrganisationKind.UTILITY, event.TYPE) for event in EVENTS.values())
    scopes = default_scopes(OrganisationKind.UTILITY, "power")
    assert Scope.PIPELINE_REPORT in scopes
    assert not scopes & {Scope.REGISTRY_READ, Scope.REGISTRY_WRITE, Scope.FUNDING_READ}
    for kind in (OrganisationKind.DISTRICT, OrganisationKind.DEPARTMENT, OrganisationKind.OFFICE):
        assert Scope.PIPELINE_REPORT not in default_scopes(kind, "x")

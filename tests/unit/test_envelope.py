"""The CloudEvents envelope: what wrap fills in, what to_bytes writes, what from_bytes refuses."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from shared.contracts.envelope import (
    CloudEvent,
    causation_id_var,
    correlation_id_var,
)
from shared.contracts.registry import ProjectRegistered

PROJECT_ID = uuid.UUID("6f1c2d3e-0000-4000-8000-000000000001")
COMMUNITY_ID = uuid.UUID("6f1c2d3e-0000-4000-8000-000000000002")


def registered(**overrides: Any) -> ProjectRegistered:
    fields: dict[str, Any] = {
        "project_id": PROJECT_ID,
        "community_id": COMMUNITY_ID,
        "district_code": "zz-jinshui",
        "programme_code": "zhengzhou-2019",
        "name": "文化路3号院综合整治",
        "investment_fen": 123_456_789,
        **overrides,
    }
    return ProjectRegistered(**fields)


def wire(**overrides: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "urn:renovation:registry",
        "type": "registry.project.registered.v1",
        "time": "2024-06-30T08:00:00Z",
        "data": {"name": "x"},
        **overrides,
    }


@contextmanager
def context(correlation: str | None, causation: str | None) -> Iterator[None]:
    tokens = (correlation_id_var.set(correlation), causation_id_var.set(causation))
    try:
        yield
    finally:
        causation_id_var.reset(tokens[1])
        correlation_id_var.reset(tokens[0])


class TestWrap:
    def test_takes_correlation_and_causation_from_the_context(self) -> None:
        with context("req-7f3a", "evt-upstream"):
            envelope = CloudEvent.wrap(registered())
        assert envelope.correlationid == "req-7f3a"
        assert envelope.causationid == "evt-upstream"

    def test_outside_any_context_an_event_starts_its_own_flow(self) -> None:
        with context(None, None):
            envelope = CloudEvent.wrap(registered())
        assert envelope.correlationid == envelope.id
        assert envelope.causationid is None

    def test_uses_the_given_event_id(self) -> None:
        envelope = CloudEvent.wrap(registered(), event_id="evt-fixed")
        assert envelope.id == "evt-fixed"

    def test_each_wrap_gets_a_new_id(self) -> None:
        assert CloudEvent.wrap(registered()).id != CloudEvent.wrap(registered()).id

    def test_fills_the_attributes_from_the_payload(self) -> None:
        envelope = CloudEvent.wrap(registered())
        assert envelope.type == "registry.project.registered.v1"
        assert envelope.source == "urn:renovation:registry"
        assert envelope.subject == f"projects/{PROJECT_ID}"
        assert envelope.districtcode == "zz-jinshui"
        assert envelope.partitionkey == str(PROJECT_ID)
        assert envelope.specversion == "1.0"
        assert envelope.datacontenttype == "application/json"

    def test_data_is_the_payload_as_json(self) -> None:
        envelope = CloudEvent.wrap(registered())
        assert envelope.data == {
            "project_id": "6f1c2d3e-0000-4000-8000-000000000001",
            "community_id": "6f1c2d3e-0000-4000-8000-000000000002",
            "district_code": "zz-jinshui",
            "programme_code": "zhengzhou-2019",
            "name": "文化路3号院综合整治",
            "investment_fen": 123_456_789,
            "registered_on": None,  # optional fields added within v1 are sent as null when absent
            "street_office": None,
            "grouped_community_ids": [],  # one community, not a contiguous group
        }

    def test_time_is_now_in_utc(self) -> None:
        before = datetime.now(UTC)
        envelope = CloudEvent.wrap(registered())
        assert envelope.time.utcoffset() == timedelta(0)
        assert before <= envelope.time <= datetime.now(UTC)


class TestToBytes:
    def test_writes_structured_mode_json_without_null_attributes(self) -> None:
        with context("req-1", None):
            raw = CloudEvent.wrap(registered(), event_id="evt-1").to_bytes()
        document = json.loads(raw)
        assert document["id"] == "evt-1"
        assert document["correlationid"] == "req-1"
        assert "causationid" not in document
        assert document["data"]["investment_fen"] == 123_456_789


class TestFromBytes:
    def test_reads_back_what_to_bytes_wrote(self) -> None:
        envelope = CloudEvent.wrap(registered())
        assert CloudEvent.from_bytes(envelope.to_bytes()) == envelope

    @pytest.mark.parametrize("raw", [b"{not json", b"", b"null", b"[]", b'"text"', b"\xff\xfe"])
    def test_refuses_what_is_not_a_json_object(self, raw: bytes) -> None:
        with pytest.raises(ValidationError):
            CloudEvent.from_bytes(raw)

    @pytest.mark.parametrize("missing", ["id", "source", "type", "time", "data"])
    def test_refuses_an_envelope_without_a_required_attribute(self, missing: str) -> None:
        document = wire()
        del document[missing]
        with pytest.raises(ValidationError) as caught:
            CloudEvent.from_bytes(json.dumps(document).encode())
        assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [((missing,), "missing")]

    @pytest.mark.parametrize("empty", ["id", "source", "type"])
    def test_refuses_an_empty_identifying_attribute(self, empty: str) -> None:
        with pytest.raises(ValidationError):
            CloudEvent.from_bytes(json.dumps(wire(**{empty: ""})).encode())

    def test_refuses_another_cloudevents_version(self) -> None:
        with pytest.raises(ValidationError):
            CloudEvent.from_bytes(json.dumps(wire(specversion="0.3")).encode())

    def test_keeps_extensions_it_does_not_name_when_re_serialised(self) -> None:
        raw = json.dumps(wire(traceparent="00-abc-def-01", comexampleextension1="value")).encode()
        envelope = CloudEvent.from_bytes(raw)
        assert envelope.id == "evt-1"
        again = json.loads(envelope.to_bytes())
        assert again["traceparent"] == "00-abc-def-01"
        assert again["comexampleextension1"] == "value"

    def test_a_missing_specversion_is_refused_as_cloudevents_requires(self) -> None:
        document = wire()
        del document["specversion"]
        with pytest.raises(ValidationError, match="specversion"):
            CloudEvent.from_bytes(json.dumps(document).encode())

    def test_an_id_longer_than_the_inbox_column_is_refused_at_parsing(self) -> None:
        with pytest.raises(ValidationError, match="id"):
            CloudEvent.from_bytes(json.dumps(wire(id="x" * 65)).encode())

    def test_refuses_a_time_without_a_utc_offset(self) -> None:
        with pytest.raises(ValidationError):
            CloudEvent.from_bytes(json.dumps(wire(time="2024-06-30T08:00:00")).encode())


def test_the_envelope_is_frozen() -> None:
    envelope = CloudEvent.wrap(registered())
    with pytest.raises(ValidationError, match="frozen"):
        envelope.id = "changed"  # type: ignore[misc]

"""The published event contracts: snapshots of the generated files, and the rules payloads keep.

Department systems build against docs/contracts/; a change to a payload, the envelope, a topic or
the dead-letter headers must show up there as a reviewed diff, never silently.
"""

from __future__ import annotations

import enum
import hashlib
import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
import yaml
from aiokafka.structs import ConsumerRecord
from pydantic import BaseModel, ValidationError

import shared.contracts
from scripts import export_contracts
from scripts.asyncapi import (
    DEAD_LETTER_CHANNEL,
    DEAD_LETTER_HEADERS,
    DEAD_LETTER_MESSAGE,
    ENVELOPE_ATTRIBUTES,
    ENVELOPE_SCHEMA,
    _hoisted,
    asyncapi_document,
    json_schemas,
    payload_schema,
)
from shared.bus.dead_letter import DeadLetter, dead_letter_headers
from shared.context import causation_id_var, correlation_id_var
from shared.contracts.base import EventPayload
from shared.contracts.catalog import EVENT_TYPES
from shared.contracts.envelope import CloudEvent
from shared.contracts.topics import ALL_EVENT_TOPICS, dead_letter_topic
from shared.observability.tracing import EventScope

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "contracts"
TYPE_PATTERN = re.compile(r"^[a-z]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
ASYNCAPI_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
ASYNCAPI_COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9\.\-_]+$")
REGENERATE = (
    "If the contract change is intended, run `.venv/bin/python scripts/export_contracts.py` "
    "and commit the diff of docs/contracts/ so it is reviewed."
)


def _all_payload_classes() -> list[type[EventPayload]]:
    """Every concrete payload class defined under shared.contracts, catalogued or not."""
    for module in pkgutil.iter_modules(shared.contracts.__path__):
        importlib.import_module(f"shared.contracts.{module.name}")
    found: list[type[EventPayload]] = []
    pending = list(EventPayload.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "TYPE" in vars(cls):
            found.append(cls)
    return sorted(found, key=lambda c: c.TYPE)


_SAMPLE_VALUES: dict[Any, Any] = {
    str: "zz-jinshui",
    int: 123_456_789,
    Decimal: Decimal("0.40"),
    bool: True,
    date: date(2024, 6, 30),
    datetime: datetime(2024, 6, 30, 8, 0, tzinfo=UTC),
}


def _bounded(value: Any, metadata: list[Any]) -> Any:
    """Move a numeric sample inside the field's declared bounds (ge/gt/le/lt)."""
    for bound in metadata:
        if getattr(bound, "le", None) is not None and value > bound.le:
            value = bound.le
        if getattr(bound, "lt", None) is not None and value >= bound.lt:
            value = bound.lt - 1
        if getattr(bound, "ge", None) is not None and value < bound.ge:
            value = bound.ge
        if getattr(bound, "gt", None) is not None and value <= bound.gt:
            value = bound.gt + 1
    return value


def _sample_value(owner: str, name: str, annotation: Any, metadata: list[Any] | None = None) -> Any:
    """A valid value for one annotation: scalars from the table, one-element lists, nested models."""
    origin = get_origin(annotation)
    if origin in (list, tuple):
        (inner, *_) = get_args(annotation) or (str,)
        return [_sample_value(owner, name, inner)]
    options = [a for a in get_args(annotation) if a is not type(None)] if origin else [annotation]
    kind = (options or [annotation])[0]
    if get_origin(kind) in (list, tuple):
        return _sample_value(owner, name, kind)
    if get_origin(kind) is Literal:
        return get_args(kind)[0]
    if kind is uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{owner}/{name}")
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return next(iter(kind))
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return {
            n: _sample_value(f"{owner}.{name}", n, f.annotation, f.metadata)
            for n, f in kind.model_fields.items()
        }
    if kind in (int, Decimal):
        return _bounded(_SAMPLE_VALUES[kind], metadata or [])
    if kind in _SAMPLE_VALUES:
        return _SAMPLE_VALUES[kind]
    pytest.fail(f"{owner}.{name}: add a sample value for {annotation!r} here")


def sample_payload(model: type[EventPayload]) -> EventPayload:
    """A valid instance with a distinct value per UUID field, built from the field annotations."""
    values = {
        name: _sample_value(model.TYPE, name, f.annotation, f.metadata)
        for name, f in model.model_fields.items()
    }
    return model(**values)


PAYLOADS = _all_payload_classes()
PAYLOAD_IDS = [c.TYPE for c in PAYLOADS]


# --- snapshots ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return export_contracts.expected_files()


def test_committed_json_schemas_equal_what_the_code_generates(generated: dict[str, str]) -> None:
    stale = []
    for rel, text in sorted(generated.items()):
        if not rel.endswith(".json"):
            continue
        path = CONTRACTS_DIR / rel
        if not path.is_file():
            stale.append(f"missing {rel}")
        elif path.read_text(encoding="utf-8") != text:
            stale.append(f"changed {rel}")
    assert not stale, f"docs/contracts is out of date: {stale}. {REGENERATE}"


def test_committed_asyncapi_document_equals_what_the_code_generates(
    generated: dict[str, str],
) -> None:
    path = CONTRACTS_DIR / export_contracts.ASYNCAPI_FILE
    assert path.is_file(), f"docs/contracts/asyncapi.yaml is missing. {REGENERATE}"
    assert path.read_text(encoding="utf-8") == generated["asyncapi.yaml"], (
        f"docs/contracts/asyncapi.yaml differs from the code. {REGENERATE}"
    )


def test_no_committed_schema_is_left_over_from_a_removed_contract(
    generated: dict[str, str],
) -> None:
    committed = {f"schemas/{p.name}" for p in (CONTRACTS_DIR / "schemas").glob("*.json")}
    assert committed - generated.keys() == set(), f"schemas no longer generated. {REGENERATE}"


def test_there_is_one_schema_file_per_event_type_plus_the_envelope(
    generated: dict[str, str],
) -> None:
    expected = {f"schemas/{t}.json" for t in EVENT_TYPES} | {f"schemas/{ENVELOPE_SCHEMA}.json"}
    assert {rel for rel in generated if rel.startswith("schemas/")} == expected


def test_generation_is_stable_across_processes() -> None:
    """Another interpreter (another hash seed, fresh imports) generates the same bytes: nothing in
    the output depends on set or dict iteration order or on what was imported first."""
    script = (
        "import hashlib, json, scripts.export_contracts as e; "
        "print(json.dumps({k: hashlib.sha256(v.encode()).hexdigest() for k, v in e.expected_files().items()}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
        env=env,
    ).stdout
    here = {k: hashlib.sha256(v.encode()).hexdigest() for k, v in export_contracts.expected_files().items()}
    assert json.loads(out) == here


class TestExportScript:
    def test_check_fails_when_the_files_are_missing(self, tmp_path: Path) -> None:
        assert export_contracts.main(["--check", "--out", str(tmp_path)]) == 1

    def test_check_passes_right_after_writing(self, tmp_path: Path) -> None:
        assert export_contracts.main(["--out", str(tmp_path)]) == 0
        assert export_contracts.main(["--check", "--out", str(tmp_path)]) == 0

    def test_check_fails_when_a_schema_was_edited_by_hand(self, tmp_path: Path) -> None:
        export_contracts.write(tmp_path)
        edited = tmp_path / "schemas" / f"{ENVELOPE_SCHEMA}.json"
        edited.write_text(edited.read_text().replace('"object"', '"array"', 1))
        assert export_contracts.differences(tmp_path) == [
            f"differs from the code: schemas/{ENVELOPE_SCHEMA}.json"
        ]
        assert export_contracts.main(["--check", "--out", str(tmp_path)]) == 1

    def test_check_fails_on_a_schema_no_longer_generated_and_write_removes_it(self, tmp_path: Path) -> None:
        export_contracts.write(tmp_path)
        (tmp_path / "schemas" / "registry.project.renamed.v0.json").write_text("{}\n")
        assert export_contracts.differences(tmp_path) == [
            "no longer generated: schemas/registry.project.renamed.v0.json"
        ]
        assert export_contracts.write(tmp_path) == ["schemas/registry.project.renamed.v0.json"]
        assert not (tmp_path / "schemas" / "registry.project.renamed.v0.json").exists()

    def test_json_is_written_with_sorted_keys_and_a_final_newline(self) -> None:
        assert export_contracts.render_json({"b": 1, "a": {"d": 2, "c": "台账"}}) == (
            '{\n  "a": {\n    "c": "台账",\n    "d": 2\n  },\n  "b": 1\n}\n'
        )

    def test_yaml_reads_back_as_the_same_document(self) -> None:
        document = asyncapi_document(["funding"])
        assert yaml.safe_load(export_contracts.render_yaml(document)) == document


# --- the rules every payload keeps ----------------------------------------------------------------


def test_every_payload_class_is_in_the_catalog_under_its_own_type() -> None:
    assert {c.TYPE: c for c in PAYLOADS} == EVENT_TYPES
    assert all(key == model.TYPE for key, model in EVENT_TYPES.items())


def test_type_strings_are_unique() -> None:
    types = [c.TYPE for c in PAYLOADS]
    assert len(types) == len(set(types)), sorted(types)


@pytest.mark.parametrize("model", PAYLOADS, ids=PAYLOAD_IDS)
def test_type_string_is_producer_aggregate_event_and_major_version(
    model: type[EventPayload],
) -> None:
    assert TYPE_PATTERN.match(model.TYPE), model.TYPE


@pytest.mark.parametrize("model", PAYLOADS, ids=PAYLOAD_IDS)
def test_type_string_starts_with_its_producer(model: type[EventPayload]) -> None:
    producer = model.TYPE.split(".")[0]
    assert model.SOURCE == f"urn:renovation:{producer}"
    assert model.TOPIC == f"{producer}.events"
    assert model.TOPIC in ALL_EVENT_TOPICS


@pytest.mark.parametrize("model", PAYLOADS, ids=PAYLOAD_IDS)
def test_payload_is_frozen(model: type[EventPayload]) -> None:
    payload = sample_payload(model)
    field = next(iter(model.model_fields))
    assert model.model_config.get("frozen") is True
    with pytest.raises(ValidationError, match="frozen"):
        setattr(payload, field, getattr(payload, field))


@pytest.mark.parametrize("model", PAYLOADS, ids=PAYLOAD_IDS)
def test_payload_ignores_fields_it_does_not_know(model: type[EventPayload]) -> None:
    payload = sample_payload(model)
    wire = {**payload.model_dump(mode="json"), "added_in_a_later_release": "ignored"}
    parsed = model.model_validate(wire)
    assert parsed == payload
    assert "added_in_a_later_release" not in parsed.model_dump()


@pytest.mark.parametrize("model", PAYLOADS, ids=PAYLOAD_IDS)
def test_payload_survives_the_round_trip_through_the_envelope(model: type[EventPayload]) -> None:
    payload = sample_payload(model)
    sent = CloudEvent.wrap(payload)
    received = CloudEvent.from_bytes(sent.to_bytes())
    assert received == sent
    assert received.type == model.TYPE
    assert received.source == model.SOURCE
    assert received.partitionkey == payload.partition_key()
    assert received.subject == payload.subject()
    assert received.districtcode == payload.district()
    assert EVENT_TYPES[received.type].model_validate(received.data) == payload


TRACEPARENT_SAMPLE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize("in_a_flow", [False, True], ids=["new-flow", "in-a-flow"])
@pytest.mark.parametrize("model", PAYLOADS, ids=PAYLOAD_IDS)
def test_bulk_encoding_writes_the_bytes_wrap_and_to_bytes_write(
    model: type[EventPayload], in_a_flow: bool
) -> None:
    """`encode_many` (the bulk outbox) skips the envelope model: every member must still be what
    `wrap` computes, byte for byte, with and without a correlation, causation and trace context."""
    payload = sample_payload(model)
    at = datetime(2026, 11, 23, 7, 30, 15, 123456, tzinfo=UTC)
    with ExitStack() as flow:
        if in_a_flow:
            flow.enter_context(EventScope("upstream.v1", "evt-6", TRACEPARENT_SAMPLE))
            tokens = correlation_id_var.set("req-7"), causation_id_var.set("evt-6")
            flow.callback(lambda: [correlation_id_var.reset(tokens[0]), causation_id_var.reset(tokens[1])])
        (encoded,) = CloudEvent.encode_many([payload], time=at)
        wrapped = CloudEvent.wrap(payload, event_id=encoded.id).model_copy(update={"time": at})
    assert encoded.content == wrapped.to_bytes().decode()
    assert (encoded.type, encoded.partition_key) == (model.TYPE, payload.partition_key())
    assert CloudEvent.from_bytes(encoded.content.encode()) == wrapped
    assert ("causationid" in encoded.content) is ("traceparent" in encoded.content) is in_a_flow


def test_bulk_encoding_gives_each_event_its_own_id_and_flow() -> None:
    """Outside a flow each event starts its own correlation (its id), as `wrap` does."""
    payloads = [sample_payload(PAYLOADS[0])] * 3
    encoded = CloudEvent.encode_many(payloads, time=datetime(2026, 11, 23, tzinfo=UTC))
    assert len({e.id for e in encoded}) == 3
    assert [json.loads(e.content)["correlationid"] for e in encoded] == [e.id for e in encoded]


@pytest.mark.parametrize("model", PAYLOADS, ids=PAYLOAD_IDS)
def test_schema_lists_exactly_the_fields_on_the_wire_all_required(
    model: type[EventPayload],
) -> None:
    wire = json.loads(CloudEvent.wrap(sample_payload(model)).to_bytes())["data"]
    schema = payload_schema(model)
    assert set(schema["properties"]) == set(wire)
    assert set(schema["required"]) == set(wire)


@pytest.mark.parametrize("model", PAYLOADS, ids=PAYLOAD_IDS)
def test_every_payload_documents_what_it_announces(model: type[EventPayload]) -> None:
    assert (model.__doc__ or "").strip(), f"{model.__name__} needs a docstring: it is published"


# --- the schemas and the AsyncAPI document --------------------------------------------------------


def test_schema_ids_are_unique_and_name_their_file() -> None:
    schemas = json_schemas()
    for name, schema in schemas.items():
        assert schema["$id"].endswith(f"/schemas/{name}.json")
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert len({s["$id"] for s in schemas.values()}) == len(schemas)


def test_envelope_schema_requires_what_to_bytes_always_writes() -> None:
    envelope = json_schemas()[ENVELOPE_SCHEMA]
    assert envelope["required"] == [
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "datacontenttype",
        "data",
    ]
    # attributes left out when None are optional and never null on the wire
    assert envelope["properties"]["causationid"]["type"] == "string"
    assert "anyOf" not in envelope["properties"]["causationid"]


def test_every_envelope_attribute_is_described() -> None:
    properties = json_schemas()[ENVELOPE_SCHEMA]["properties"]
    assert set(properties) == set(ENVELOPE_ATTRIBUTES)
    for extension in ("correlationid", "causationid", "districtcode", "partitionkey"):
        assert properties[extension]["description"].startswith("Extension: ")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi_document(["funding", "notification", "reporting"])


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are used: {ref}"
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_asyncapi_is_version_3_with_cloudevents_as_default_content(
    document: dict[str, Any],
) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["defaultContentType"] == "application/cloudevents+json"
    assert "structured mode" in document["info"]["description"]


def test_every_reference_in_the_document_resolves(document: dict[str, Any]) -> None:
    refs = _refs(document)
    assert refs
    for ref in refs:
        _resolve(document, ref)


def test_ids_fit_the_asyncapi_patterns(document: dict[str, Any]) -> None:
    for channel_id, channel in document["channels"].items():
        assert ASYNCAPI_ID.match(channel_id)
        assert all(ASYNCAPI_ID.match(m) for m in channel["messages"])
    assert all(ASYNCAPI_ID.match(o) for o in document["operations"])
    for section in document["components"].values():
        assert all(ASYNCAPI_COMPONENT_KEY.match(k) for k in section)


def test_each_topic_is_a_channel_carrying_the_messages_of_its_types(
    document: dict[str, Any],
) -> None:
    by_address = {c["address"]: c for c in document["channels"].values()}
    assert set(ALL_EVENT_TOPICS) <= set(by_address)
    for event_type, model in EVENT_TYPES.items():
        channel = by_address[model.TOPIC]
        assert channel["bindings"]["kafka"]["topic"] == model.TOPIC
        names = [_resolve(document, m["$ref"])["name"] for m in channel["messages"].values()]
        assert event_type in names


def test_each_topic_has_a_send_operation_listing_its_messages(document: dict[str, Any]) -> None:
    for operation in document["operations"].values():
        assert operation["action"] == "send"
        channel = _resolve(document, operation["channel"]["$ref"])
        listed = [m["$ref"].rsplit("/", 1)[1] for m in operation["messages"]]
        assert listed == sorted(channel["messages"])


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_message_is_the_envelope_with_data_of_its_type(document: dict[str, Any], event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    message = document["components"]["messages"][event_type]
    payload = message["payload"]
    assert payload["properties"]["type"]["const"] == event_type
    assert payload["properties"]["source"]["const"] == model.SOURCE
    data = _resolve(document, payload["properties"]["data"]["$ref"])
    # nested models are hoisted into components/schemas as `<type>.<Model>`, refs rewritten
    hoisted = _hoisted(event_type, payload_schema(model))
    assert data == hoisted[event_type]
    for name, schema in hoisted.items():
        assert document["components"]["schemas"][name] == schema
    envelope_properties = document["components"]["schemas"][ENVELOPE_SCHEMA]["properties"]
    assert set(payload["properties"]) == set(envelope_properties)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_message_binds_the_kafka_key_and_the_content_type_header(
    document: dict[str, Any], event_type: str
) -> None:
    message = document["components"]["messages"][event_type]
    assert message["contentType"] == "application/cloudevents+json"
    assert message["headers"]["required"] == ["content-type"]
    assert message["headers"]["properties"]["content-type"]["const"] == ("application/cloudevents+json")
    key = message["bindings"]["kafka"]["key"]
    assert key["type"] == "string"
    assert "partitionkey" in key["description"]
    assert message["correlationId"]["location"] == "$message.payload#/correlationid"


def test_dead_letter_channel_is_parameterised_by_the_consuming_service(
    document: dict[str, Any],
) -> None:
    channel = document["channels"][DEAD_LETTER_CHANNEL]
    assert channel["address"] == "{service}.dlq"
    assert channel["address"] == dead_letter_topic("{service}")
    assert channel["parameters"]["service"]["enum"] == ["funding", "notification", "reporting"]
    assert "enum" not in asyncapi_document()["channels"][DEAD_LETTER_CHANNEL]["parameters"]["service"]


def test_export_names_the_services_that_consume_events() -> None:
    # the registry only produces; the other three consume, so each has a dead-letter topic
    consumers = export_contracts.consumer_services()
    assert {"funding", "notification", "reporting"} <= set(consumers)
    assert "registry" not in consumers


def test_dead_letter_headers_documented_are_the_ones_the_consumer_writes(
    document: dict[str, Any],
) -> None:
    record = ConsumerRecord(
        topic="registry.events",
        partition=2,
        offset=41,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=b"{",
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=1,
        headers=[("content-type", b"application/cloudevents+json")],
    )
    written = dead_letter_headers(record, "funding", DeadLetter("malformed", ValueError("x"), 1))
    added = [name for name, _ in written if name.startswith("dlq.")]
    assert added == list(DEAD_LETTER_HEADERS)
    message = document["components"]["messages"][DEAD_LETTER_MESSAGE]
    assert message["headers"]["required"] == added
    assert message["headers"]["properties"]["dlq.reason"]["enum"] == [
        "malformed",
        "permanent",
        "retries_exhausted",
    ]


def test_nested_models_are_hoisted_into_components_with_their_references_rewritten() -> None:
    class Address(BaseModel):
        street: str

    class Moved(BaseModel):  # not an EventPayload, so it never joins the real contracts
        old: Address
        new: Address

    hoisted = _hoisted("test.community.moved.v1", payload_schema(Moved))  # type: ignore[arg-type]
    assert set(hoisted) == {"test.community.moved.v1", "test.community.moved.v1.Address"}
    properties = hoisted["test.community.moved.v1"]["properties"]
    assert properties["old"] == {"$ref": "#/components/schemas/test.community.moved.v1.Address"}
    assert "$defs" not in hoisted["test.community.moved.v1"]

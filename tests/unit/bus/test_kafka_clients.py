"""make_producer / make_consumer / make_admin: the client options that keep acked events safe and
the same security on every client, read off the aiokafka constructors (replaced by recorders)."""

from __future__ import annotations

import pytest

from shared.bus import kafka
from shared.bus.kafka import KafkaSecurity, make_admin, make_consumer, make_producer
from shared.bus.partitioner import KeyPartitioner
from tests.unit.bus.kafka_fakes import Recorder

SASL = KafkaSecurity(
    protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="svc", sasl_password="pw"
)
SASL_KWARGS = {
    "security_protocol": "SASL_PLAINTEXT",
    "sasl_mechanism": "PLAIN",
    "sasl_plain_username": "svc",
    "sasl_plain_password": "pw",
}


@pytest.fixture
def producer_class(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(kafka, "AIOKafkaProducer", recorder)
    return recorder


@pytest.fixture
def consumer_class(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(kafka, "AIOKafkaConsumer", recorder)
    return recorder


@pytest.fixture
def admin_class(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(kafka, "AIOKafkaAdminClient", recorder)
    return recorder


def test_the_producer_is_idempotent_acks_all_batched_and_lz4(producer_class: Recorder) -> None:
    make_producer("kafka-0:9092,kafka-1:9092", "registry-relay")
    ((_, kwargs),) = producer_class.calls
    assert isinstance(kwargs.pop("partitioner"), KeyPartitioner)  # Kafka's mapping: test_partitioner.py
    assert producer_class.calls == [
        (
            (),
            {
                "bootstrap_servers": "kafka-0:9092,kafka-1:9092",
                "client_id": "registry-relay",
                "enable_idempotence": True,
                "acks": "all",
                "linger_ms": 5,
                "max_batch_size": 262_144,
                "compression_type": "lz4",
                "request_timeout_ms": 15_000,
                "security_protocol": "PLAINTEXT",
            },
        )
    ]


@pytest.mark.parametrize(
    ("asked", "sent"), [(None, None), ("none", None), ("zstd", "zstd"), ("gzip", "gzip")]
)
def test_the_producer_codec_is_as_asked_and_none_means_uncompressed(
    producer_class: Recorder, asked: str | None, sent: str | None
) -> None:
    make_producer("kafka-0:9092", "p", compression_type=asked)
    assert producer_class.calls[0][1]["compression_type"] == sent


def test_the_producer_gets_the_security_settings(producer_class: Recorder) -> None:
    make_producer("kafka-0:9092", "p", security=SASL)
    kwargs = producer_class.calls[0][1]
    assert {key: kwargs[key] for key in SASL_KWARGS} == SASL_KWARGS
    assert kwargs["enable_idempotence"] is True and kwargs["acks"] == "all"


def test_the_consumer_commits_by_hand_reads_committed_records_from_the_earliest_and_is_not_held_long(
    consumer_class: Recorder,
) -> None:
    """`fetch_max_wait_ms` 100, not 500: a busy partition's next records are not held behind a
    long poll for caught-up ones (`FETCH_MAX_WAIT_MS`)."""
    make_consumer("kafka-0:9092", "funding", ["registry.project", "funding.award"], "funding-1")
    assert consumer_class.calls == [
        (
            ("registry.project", "funding.award"),
            {
                "bootstrap_servers": "kafka-0:9092",
                "group_id": "funding",
                "client_id": "funding-1",
                "enable_auto_commit": False,
                "auto_offset_reset": "earliest",
                "isolation_level": "read_committed",
                "max_partition_fetch_bytes": 4_194_304,
                "fetch_max_wait_ms": 100,
                "security_protocol": "PLAINTEXT",
            },
        )
    ]


def test_the_consumer_gets_the_security_settings(consumer_class: Recorder) -> None:
    make_consumer("kafka-0:9092", "g", ["t"], "c", security=SASL)
    kwargs = consumer_class.calls[0][1]
    assert {key: kwargs[key] for key in SASL_KWARGS} == SASL_KWARGS


def test_the_admin_client_gets_brokers_security_and_further_options(admin_class: Recorder) -> None:
    make_admin("kafka-0:9092", security=SASL, request_timeout_ms=5000)
    assert admin_class.calls == [
        ((), {"bootstrap_servers": "kafka-0:9092", **SASL_KWARGS, "request_timeout_ms": 5000})
    ]


def test_the_admin_client_is_plaintext_by_default(admin_class: Recorder) -> None:
    make_admin("kafka-0:9092")
    assert admin_class.calls == [
        ((), {"bootstrap_servers": "kafka-0:9092", "security_protocol": "PLAINTEXT"})
    ]

"""TopicSpec and KafkaSecurity: what settings make of topics and of every client's TLS/SASL, and
which combinations are refused at start-up (issue 12, items 1 and 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared.bus import kafka
from shared.bus.kafka import KafkaSecurity, TopicSpec
from shared.settings import ServiceSettings

BELOW_ONE = "partitions, replication factor and min.insync.replicas must be >= 1"
SASL_NEEDS = (
    "KAFKA_SECURITY_PROTOCOL={} needs KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
)
MUTUAL_TLS = "KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together (mutual TLS)"


def refusal(**fields: Any) -> str:
    with pytest.raises(ValueError) as refused:
        KafkaSecurity(**fields)
    return str(refused.value)


# --- TopicSpec ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts",
    [
        {"partitions": 0},
        {"partitions": 2, "replication_factor": 0},
        {"partitions": 2, "replication_factor": 2, "min_insync_replicas": 0},
    ],
)
def test_a_count_below_one_is_refused(counts: dict[str, int]) -> None:
    with pytest.raises(ValueError) as refused:
        TopicSpec(**counts)
    assert str(refused.value) == BELOW_ONE


def test_one_of_everything_is_the_smallest_valid_spec() -> None:
    spec = TopicSpec(partitions=1, replication_factor=1, min_insync_replicas=1)
    assert (spec.partitions, spec.replication_factor, spec.min_insync_replicas) == (1, 1, 1)


def test_min_insync_may_equal_the_replication_factor_but_not_exceed_it() -> None:
    assert TopicSpec(partitions=3, replication_factor=3, min_insync_replicas=3).min_insync_replicas == 3
    with pytest.raises(ValueError) as refused:
        TopicSpec(partitions=3, replication_factor=3, min_insync_replicas=4)
    assert str(refused.value) == (
        "min.insync.replicas=4 exceeds the replication factor 3: every acks=all write would fail"
    )


def test_the_spec_is_read_from_every_topic_setting() -> None:
    settings = ServiceSettings(
        service_name="registry",
        environment="test",
        topic_partitions=12,
        kafka_replication_factor=4,
        kafka_min_insync_replicas=3,
        kafka_unclean_leader_election=True,
        kafka_topic_retention_ms=3_600_000,
    )
    assert TopicSpec.from_settings(settings) == TopicSpec(
        partitions=12,
        replication_factor=4,
        min_insync_replicas=3,
        unclean_leader_election=True,
        retention_ms=3_600_000,
    )


def test_the_default_retention_is_a_week() -> None:
    spec = TopicSpec.from_settings(ServiceSettings(service_name="registry", environment="test"))
    assert spec.retention_ms == 7 * 24 * 3600 * 1000
    assert spec.configs()["retention.ms"] == "604800000"


def test_topic_configs_keep_safety_and_leave_compression_to_the_producer() -> None:
    assert TopicSpec(partitions=3, replication_factor=3, min_insync_replicas=2).configs() == {
        "min.insync.replicas": "2",
        "unclean.leader.election.enable": "false",
        "compression.type": "producer",
    }


def test_topic_configs_carry_retention_and_extra_configs_last() -> None:
    spec = TopicSpec(
        partitions=1,
        unclean_leader_election=True,
        retention_ms=60_000,
        extra_configs={"cleanup.policy": "compact", "compression.type": "zstd"},
    )
    assert spec.configs() == {
        "min.insync.replicas": "1",
        "unclean.leader.election.enable": "true",
        "compression.type": "zstd",
        "retention.ms": "60000",
        "cleanup.policy": "compact",
    }


# --- KafkaSecurity: refused combinations -------------------------------------------------------


@pytest.mark.parametrize(
    "sasl",
    [
        {"sasl_username": "u", "sasl_password": "p"},
        {"sasl_mechanism": "PLAIN", "sasl_password": "p"},
        {"sasl_mechanism": "PLAIN", "sasl_username": "u"},
        {"sasl_password": "p"},
        {},
    ],
)
@pytest.mark.parametrize("protocol", ["SASL_PLAINTEXT", "SASL_SSL"])
def test_sasl_needs_mechanism_username_and_password(protocol: str, sasl: dict[str, str]) -> None:
    assert refusal(protocol=protocol, **sasl) == SASL_NEEDS.format(protocol)


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SSL"])
def test_a_sasl_mechanism_without_a_sasl_protocol_is_refused(protocol: str) -> None:
    assert refusal(protocol=protocol, sasl_mechanism="PLAIN") == (
        f"KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL={protocol}"
    )


@pytest.mark.parametrize("half", [{"ssl_certfile": Path("/tls/c.pem")}, {"ssl_keyfile": Path("/tls/k.pem")}])
def test_a_client_certificate_needs_its_key_and_the_key_its_certificate(half: dict[str, Path]) -> None:
    assert refusal(protocol="SSL", **half) == MUTUAL_TLS


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
@pytest.mark.parametrize(
    "files",
    [
        {"ssl_cafile": Path("/tls/ca.pem")},
        {"ssl_certfile": Path("/tls/c.pem"), "ssl_keyfile": Path("/tls/k.pem")},
    ],
)
def test_tls_files_without_a_tls_protocol_are_refused(protocol: str, files: dict[str, Path]) -> None:
    sasl = (
        {"sasl_mechanism": "PLAIN", "sasl_username": "u", "sasl_password": "p"}
        if protocol.startswith("SASL")
        else {}
    )
    assert (
        refusal(protocol=protocol, **sasl, **files)
        == f"TLS files are set but KAFKA_SECURITY_PROTOCOL={protocol}"
    )


# --- KafkaSecurity: accepted combinations and the kwargs they give ------------------------------


@pytest.fixture
def ssl_contexts(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """create_ssl_context replaced by a recorder: each call's kwargs, and a marker as the context."""
    made: list[dict[str, Any]] = []

    def create_ssl_context(**kwargs: Any) -> str:
        made.append(kwargs)
        return f"context-{len(made)}"

    monkeypatch.setattr(kafka, "create_ssl_context", create_ssl_context)
    return made


def test_mutual_tls_passes_the_ca_certificate_and_key_to_the_ssl_context(
    ssl_contexts: list[dict[str, Any]],
) -> None:
    security = KafkaSecurity(
        protocol="SSL",
        ssl_cafile=Path("/tls/ca.pem"),
        ssl_certfile=Path("/tls/c.pem"),
        ssl_keyfile=Path("/tls/k.pem"),
    )
    assert security.client_kwargs() == {"security_protocol": "SSL", "ssl_context": "context-1"}
    assert ssl_contexts == [
        {"cafile": Path("/tls/ca.pem"), "certfile": Path("/tls/c.pem"), "keyfile": Path("/tls/k.pem")}
    ]


def test_tls_without_files_uses_the_system_cas(ssl_contexts: list[dict[str, Any]]) -> None:
    assert KafkaSecurity(protocol="SSL").client_kwargs() == {
        "security_protocol": "SSL",
        "ssl_context": "context-1",
    }
    assert ssl_contexts == [{"cafile": None, "certfile": None, "keyfile": None}]


def test_sasl_ssl_gives_tls_and_the_credentials(ssl_contexts: list[dict[str, Any]]) -> None:
    security = KafkaSecurity(
        protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-256",
        sasl_username="funding",
        sasl_password="pw",
        ssl_cafile=Path("/tls/ca.pem"),
    )
    assert security.client_kwargs() == {
        "security_protocol": "SASL_SSL",
        "ssl_context": "context-1",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "funding",
        "sasl_plain_password": "pw",
    }
    assert ssl_contexts == [{"cafile": Path("/tls/ca.pem"), "certfile": None, "keyfile": None}]


def test_sasl_plaintext_gives_credentials_and_no_tls(ssl_contexts: list[dict[str, Any]]) -> None:
    security = KafkaSecurity(
        protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="funding", sasl_password="pw"
    )
    assert security.client_kwargs() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "funding",
        "sasl_plain_password": "pw",
    }
    assert ssl_contexts == []


def test_security_is_read_from_the_tls_settings() -> None:
    settings = ServiceSettings(
        service_name="registry",
        environment="test",
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=Path("/tls/ca.pem"),
        kafka_ssl_certfile=Path("/tls/c.pem"),
        kafka_ssl_keyfile=Path("/tls/k.pem"),
    )
    assert KafkaSecurity.from_settings(settings) == KafkaSecurity(
        protocol="SSL",
        ssl_cafile=Path("/tls/ca.pem"),
        ssl_certfile=Path("/tls/c.pem"),
        ssl_keyfile=Path("/tls/k.pem"),
    )

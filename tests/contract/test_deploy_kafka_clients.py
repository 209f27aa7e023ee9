"""Kafka topic and client settings: production keeps acked events through one lost broker, and
every client gets the same TLS/SASL configuration (issue 12, items 1 and 13)."""

from __future__ import annotations

import ssl

import pytest

from shared.bus.kafka import KafkaSecurity, TopicSpec, make_admin, make_consumer, make_producer
from shared.settings import ServiceSettings

PRODUCTION = {
    "service_name": "registry",
    "environment": "production",
    "jwt_secret": "a-real-production-secret-0123456789abcdefghij",
    "database_url": "postgresql+psycopg://u@db/registry",
}


def test_production_topics_have_three_replicas_two_in_sync_and_no_unclean_election() -> None:
    spec = TopicSpec.from_settings(ServiceSettings(**PRODUCTION))
    assert (spec.replication_factor, spec.min_insync_replicas, spec.unclean_leader_election) == (3, 2, False)
    assert spec.configs()["min.insync.replicas"] == "2"
    assert spec.configs()["unclean.leader.election.enable"] == "false"


def test_local_topics_have_one_replica() -> None:
    spec = TopicSpec.from_settings(ServiceSettings(service_name="registry", environment="test"))
    assert (spec.replication_factor, spec.min_insync_replicas) == (1, 1)


def test_settings_override_the_replication_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_REPLICATION_FACTOR", "5")
    monkeypatch.setenv("KAFKA_MIN_INSYNC_REPLICAS", "3")
    spec = TopicSpec.from_settings(ServiceSettings(**PRODUCTION))
    assert (spec.replication_factor, spec.min_insync_replicas) == (5, 3)


def test_min_insync_above_the_replication_factor_is_refused() -> None:
    with pytest.raises(ValueError, match="every acks=all write would fail"):
        TopicSpec(partitions=3, replication_factor=1, min_insync_replicas=2)


async def test_the_producer_compresses_by_default_and_can_be_told_not_to() -> None:
    assert make_producer("127.0.0.1:1", "p")._compression_type == "lz4"
    assert make_producer("127.0.0.1:1", "p", compression_type="none")._compression_type is None


def test_plaintext_is_the_default_for_every_client() -> None:
    assert (
        KafkaSecurity.from_settings(ServiceSettings(service_name="x", environment="test")) == KafkaSecurity()
    )
    assert KafkaSecurity().client_kwargs() == {"security_protocol": "PLAINTEXT"}


async def test_sasl_ssl_settings_reach_producer_consumer_and_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "registry")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret-from-a-vault")
    security = KafkaSecurity.from_settings(ServiceSettings(**PRODUCTION))
    assert "s3cret" not in repr(security)
    kwargs = security.client_kwargs()
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == (
        "registry",
        "s3cret-from-a-vault",
    )
    assert isinstance(kwargs["ssl_context"], ssl.SSLContext)
    assert kwargs["ssl_context"].check_hostname and kwargs["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    producer = make_producer("127.0.0.1:1", "p", security=security)
    consumer = make_consumer("127.0.0.1:1", "g", ["t"], "c", security=security)
    admin = make_admin("127.0.0.1:1", security=security)
    for client in (producer.client, consumer._client, admin._client):
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-512"
        assert isinstance(client._ssl_context, ssl.SSLContext)
        assert client._sasl_plain_username == "registry"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"protocol": "SASL_SSL", "sasl_mechanism": "PLAIN"}, "KAFKA_SASL_USERNAME"),
        ({"protocol": "PLAINTEXT", "sasl_mechanism": "PLAIN"}, "KAFKA_SASL_MECHANISM is set"),
        ({"protocol": "SSL", "ssl_certfile": "/c.pem"}, "go together"),
        ({"protocol": "PLAINTEXT", "ssl_cafile": "/ca.pem"}, "TLS files are set"),
    ],
)
def test_incomplete_security_settings_are_refused_at_start_up(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KafkaSecurity(**fields)  # type: ignore[arg-type]

"""Kafka over TLS with SASL against a real broker (#12): a service configured for SASL_SSL publishes
through its outbox relay and the event is read back over the same secured listener; a wrong password
and an untrusted CA are refused, not silently downgraded.

The broker is a second native KRaft node with a SASL_SSL listener beside its PLAINTEXT one (kept for
the launcher's readiness probe and inter-broker traffic). Its certificate is made here with the
JDK's keytool, for 127.0.0.1 and localhost, valid one day; the client verifies the host name.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from deploy._util import free_port
from deploy.kafka.launcher import KafkaBroker
from services.registry.main import create_registry_app
from shared.bus.kafka import KafkaSecurity, make_producer
from shared.contracts.envelope import CloudEvent
from shared.contracts.topics import REGISTRY_EVENTS
from tests.support import tokens
from tests.support.factories import community_body
from tests.support.servers import serve

PASSWORD = "svc-secret-1"
USERS = {"admin": "admin-secret-1", "registry": PASSWORD}


def _keytool() -> str:
    found = shutil.which("keytool")
    if found is None:
        pytest.skip("no JDK keytool on this machine")
    return found


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed broker key pair in a PKCS12 keystore, and its certificate as PEM (the client's CA)."""
    keystore, pem = directory / "broker.p12", directory / "broker.pem"
    common = ["-keystore", str(keystore), "-storetype", "PKCS12", "-storepass", "changeit"]
    subprocess.run(
        [
            _keytool(), "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048",
            "-validity", "1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
            *common,
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    exported = subprocess.run(
        [_keytool(), "-exportcert", "-rfc", "-alias", "broker", *common], check=True, capture_output=True
    )
    pem.write_bytes(exported.stdout)
    return keystore, pem


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A broker with a SASL_SSL (PLAIN) listener; yields its address and the CA file."""
    work = tmp_path_factory.mktemp("kafka-secure")
    keystore, pem = _certificate(work)
    port = free_port()
    secure_port = free_port(exclude={port})
    controller = free_port(exclude={port, secure_port})
    users = " ".join(f'user_{name}="{secret}"' for name, secret in USERS.items())
    jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="admin" password="{USERS["admin"]}" {users};'
    )
    broker = KafkaBroker(
        work,
        port=port,
        controller_port=controller,
        extra_properties={
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{port},SASL_SSL://127.0.0.1:{secure_port},"
                f"CONTROLLER://127.0.0.1:{controller}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port},SASL_SSL://127.0.0.1:{secure_port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
            "sasl.enabled.mechanisms": "PLAIN",
            "listener.name.sasl_ssl.plain.sasl.jaas.config": jaas,
            "ssl.keystore.location": str(keystore),
            "ssl.keystore.password": "changeit",
            "ssl.keystore.type": "PKCS12",
            "ssl.key.password": "changeit",
        },
    )
    broker.start()
    try:
        yield f"127.0.0.1:{secure_port}", pem
    finally:
        broker.stop()


def _security(cafile: Path, password: str = PASSWORD) -> KafkaSecurity:
    return KafkaSecurity(
        protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        sasl_username="registry",
        sasl_password=password,
        ssl_cafile=cafile,
    )


async def _read(bootstrap: str, topic: str, security: KafkaSecurity, count: int) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **security.client_kwargs(),
    )
    await consumer.start()
    records: list[Any] = []
    try:
        for _ in range(120):
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for part in batch.values() for r in part]
            if len(records) >= count:
                break
    finally:
        await consumer.stop()
    return records


async def _starts(bootstrap: str, security: KafkaSecurity) -> None:
    producer = make_producer(bootstrap, "control", security=security)
    await producer.start()
    await producer.stop()


async def test_a_service_publishes_and_is_read_over_sasl_ssl(platform, secure_broker) -> None:  # type: ignore[no-untyped-def]
    bootstrap, cafile = secure_broker
    settings = platform.settings(
        "registry",
        kafka_bootstrap_servers=bootstrap,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="registry",
        kafka_sasl_password=PASSWORD,
        kafka_ssl_cafile=cafile,
    )
    platform.servers["registry"] = await serve(create_registry_app(settings))
    district = platform.client("registry", tokens.district("zz-jinshui"))
    created = await district.post("/communities", json=community_body())
    assert created.status_code == 201, created.text

    records = await _read(bootstrap, platform.topic(REGISTRY_EVENTS), _security(cafile), 1)
    (event,) = [CloudEvent.from_bytes(r.value) for r in records]
    assert event.type == "registry.community.registered.v1"
    assert event.data["community_id"] == created.json()["id"]


async def test_a_wrong_password_is_refused(secure_broker) -> None:  # type: ignore[no-untyped-def]
    bootstrap, cafile = secure_broker
    producer = make_producer(bootstrap, "intruder", security=_security(cafile, password="wrong"))
    with pytest.raises(KafkaError) as refused:
        await producer.start()
    await producer.stop()
    assert "bootstrap" in str(refused.value)
    await _starts(bootstrap, _security(cafile))  # the same client with the right password does


async def test_a_broker_certificate_from_an_untrusted_ca_is_refused(secure_broker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bootstrap, cafile = secure_broker
    _, other_ca = _certificate(tmp_path)  # a CA that did not sign the broker's certificate
    producer = make_producer(bootstrap, "misconfigured", security=_security(other_ca))
    with pytest.raises(KafkaError) as refused:
        await producer.start()
    await producer.stop()
    assert "bootstrap" in str(refused.value)
    await _starts(bootstrap, _security(cafile))  # the same client trusting the broker's CA does

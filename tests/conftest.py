"""Session-wide real infrastructure: one Kafka broker and one PostgreSQL server for the suite.

Both are started natively (deploy/ launchers) unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL point
at existing ones, or USE_TESTCONTAINERS=1 on a machine with a Docker engine. Each test that runs
services gets its own databases and its own topic prefix, so tests never see each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.kafka.launcher import KafkaCluster, KafkaEndpoint, kafka_from_env_or_start
from deploy.postgres.launcher import PostgresServer, postgres_from_env_or_start


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaEndpoint]:
    broker = kafka_from_env_or_start(tmp_path_factory.mktemp("kafka"))
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    """Three KRaft brokers on loopback, as a city runs Kafka (3 replicas, min.insync.replicas 2,
    no auto-creation), started the same native way as `kafka`; only the cluster tests use it."""
    cluster = KafkaCluster(tmp_path_factory.mktemp("kafka-cluster"), size=3, min_insync_replicas=2)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    server = postgres_from_env_or_start(tmp_path_factory.mktemp("postgres"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def _quiet_environment() -> None:
    """Tests pass settings explicitly; keep a developer's shell variables out of them."""
    for name in ("TOPIC_PREFIX", "PORT"):
        os.environ.pop(name, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything outside tests/unit and tests/contract as needing real infrastructure."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts or "e2e" in parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
async def platform(kafka: KafkaEndpoint, postgres: PostgresServer):  # type: ignore[no-untyped-def]
    """A fresh namespace (databases and topic prefix); the test starts the services it needs."""
    from tests.support.platform import Platform, new_prefix

    running = Platform(kafka=kafka, postgres=postgres, prefix=new_prefix())
    try:
        yield running
    finally:
        await running.stop_all()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Print pytest-randomly's seed at the end even under -q (its header is hidden there), so a
    failure that depends on the order can be replayed with `-p randomly --randomly-seed=N`."""
    if not config.pluginmanager.hasplugin("randomly"):
        return
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(
            f"test order: --randomly-seed={seed} (replay with it; -p no:randomly to opt out)"
        )

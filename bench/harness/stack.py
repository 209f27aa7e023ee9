"""The servers a benchmark runs against: Kafka and PostgreSQL, started by the deploy launchers
(loopback only, in a temporary directory) unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL name
running ones."""

from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version as dist_version
from pathlib import Path

import psycopg

from bench.harness.cpu import CpuProbe
from deploy.kafka.launcher import KafkaBroker, KafkaEndpoint, kafka_from_env_or_start
from deploy.postgres.launcher import PostgresCluster, PostgresServer, postgres_from_env_or_start


@dataclass
class Stack:
    """A running broker and database server."""

    kafka: KafkaEndpoint
    postgres: PostgresServer

    @property
    def bootstrap(self) -> str:
        return self.kafka.bootstrap_servers

    def admin_conninfo(self) -> str:
        """Where to create and drop databases."""
        return self.postgres.conninfo(getattr(self.postgres, "admin_db", "postgres"))

    def cpu_probe(self) -> CpuProbe:
        """A probe of the servers' CPU; blind to servers this process did not start."""
        kafka_pid = self.kafka.pid if isinstance(self.kafka, KafkaBroker) else None
        pg_pid = None
        if isinstance(self.postgres, PostgresCluster):
            pg_pid = int((self.postgres.data_dir / "postmaster.pid").read_text().splitlines()[0])
        return CpuProbe(kafka_pid, pg_pid)

    def facts(self, partitions: int) -> list[tuple[str, str]]:
        """The machine, the servers and the client libraries, for the report's header."""
        kafka = self.kafka
        kafka_version = kafka.version if isinstance(kafka, KafkaBroker) else "external (not probed)"
        where = "native, started by the bench" if isinstance(kafka, KafkaBroker) else self.bootstrap
        pg_version, pg_settings = self._postgres_facts()
        return [
            ("cores", f"{os.cpu_count()} ({_cpu_model()})"),
            ("load average at start", " ".join(Path("/proc/loadavg").read_text().split()[:3])),
            ("python", f"{platform.python_implementation()} {platform.python_version()}"),
            ("kafka", f"{kafka_version}, 1 broker (KRaft), {partitions} partitions/topic, {where}"),
            ("postgresql", f"{pg_version} ({pg_settings})"),
            (
                "clients",
                f"aiokafka {dist_version('aiokafka')}, psycopg {dist_version('psycopg')}, "
                f"SQLAlchemy {dist_version('sqlalchemy')}, pydantic {dist_version('pydantic')}",
            ),
        ]

    def _postgres_facts(self) -> tuple[str, str]:
        with psycopg.connect(self.admin_conninfo()) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            settings = ", ".join(
                f"{name}={conn.execute(f'SHOW {name}').fetchone()[0]}"  # type: ignore[index]
                for name in ("fsync", "synchronous_commit")
            )
        return str(version), settings


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


@contextmanager
def started_stack(prefix: str) -> Iterator[Stack]:
    """Start (or find) Kafka and PostgreSQL; stop and remove what was started on exit."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        kafka = kafka_from_env_or_start(Path(tmp) / "kafka")
        try:
            postgres = postgres_from_env_or_start(Path(tmp) / "postgres")
            try:
                yield Stack(kafka, postgres)
            finally:
                postgres.stop()
                if isinstance(postgres, PostgresCluster):
                    postgres.cleanup()
        finally:
            kafka.stop()

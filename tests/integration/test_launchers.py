"""The native Kafka and PostgreSQL launchers start real servers, survive a restart, stop cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `deploy` is not an installed package; import it from the checkout
    sys.path.insert(0, str(ROOT))

from deploy.kafka.launcher import (  # noqa: E402
    ExternalKafka,
    KafkaBroker,
    KafkaLauncherError,
    ensure_release,
    kafka_from_env_or_start,
    probe,
)
from deploy.postgres.launcher import (  # noqa: E402
    ExternalPostgres,
    PostgresCluster,
    postgres_from_env_or_start,
)


def _process_gone(pid: int) -> bool:
    """True when `pid` no longer exists or is only a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in {"Z", "X"}


async def _produce(bootstrap: str, topic: str, *values: bytes) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"same-key")
    finally:
        await producer.stop()


async def _consume(
    bootstrap: str, topic: str, expected: int, group_id: str | None = None, wait_s: float = 30.0
) -> list[bytes]:
    """Read until `expected` records arrived (then commit when in a group) or `wait_s` passed."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: list[bytes] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while len(received) < expected and loop.time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                received.extend(r.value for r in records)
        if group_id is not None:
            await consumer.commit()
        if len(received) == expected:  # anything extra shows up within a short grace period
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                received.extend(r.value for r in records)
    finally:
        await consumer.stop()
    return received


# --------------------------------------------------------------------------- Kafka


@pytest.fixture
def kafka_broker(tmp_path: Path):
    broker = KafkaBroker(tmp_path / "kafka")
    broker.start()
    pid = broker.pid
    try:
        yield broker
    finally:
        broker.stop()
    assert not broker.is_running
    assert pid is not None and _process_gone(pid), "broker JVM left running after stop()"


@pytest.mark.integration
async def test_kafka_broker_round_trip_survives_restart(kafka_broker: KafkaBroker) -> None:
    bootstrap = kafka_broker.bootstrap_servers
    assert bootstrap == f"127.0.0.1:{kafka_broker.port}"
    topic = f"launcher-test-{uuid.uuid4().hex[:8]}"
    group = f"launcher-group-{uuid.uuid4().hex[:8]}"

    await _produce(bootstrap, topic, b"before-restart")
    assert await _consume(bootstrap, topic, 1, group_id=group) == [b"before-restart"]

    old_pid = kafka_broker.pid
    old_ports = (kafka_broker.port, kafka_broker.controller_port)
    await asyncio.to_thread(kafka_broker.restart)
    assert kafka_broker.is_running
    assert kafka_broker.pid != old_pid
    assert old_pid is not None and _process_gone(old_pid)
    assert (kafka_broker.port, kafka_broker.controller_port) == old_ports
    assert kafka_broker.bootstrap_servers == bootstrap

    await _produce(bootstrap, topic, b"after-restart")
    # The committed group offset survived the restart: the group only sees the new record ...
    assert await _consume(bootstrap, topic, 1, group_id=group) == [b"after-restart"]
    # ... while the log itself kept both (same data directory).
    assert await _consume(bootstrap, topic, 2) == [b"before-restart", b"after-restart"]


@pytest.mark.integration
def test_kafka_broker_refuses_a_port_already_in_use(kafka_broker: KafkaBroker, tmp_path: Path) -> None:
    intruder = KafkaBroker(tmp_path / "second", port=kafka_broker.port)
    with pytest.raises(KafkaLauncherError, match="already in use"):
        intruder.start()
    assert not intruder.is_running
    assert probe("127.0.0.1", kafka_broker.port)


@pytest.mark.integration
def test_kafka_release_is_cached_with_a_marker() -> None:
    libs = ensure_release("3.9.1")
    assert (libs / "kafka_2.13-3.9.1.jar").is_file()
    marker = libs.parent / ".complete"
    assert marker.is_file()
    assert "kafka_2.13-3.9.1.jar" in marker.read_text().split()
    assert ensure_release("3.9.1") == libs  # second call is a cache hit


def test_kafka_from_env_uses_existing_cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker-a:9092,broker-b:9092")
    monkeypatch.delenv("USE_TESTCONTAINERS", raising=False)
    kafka = kafka_from_env_or_start(tmp_path / "unused")
    assert isinstance(kafka, ExternalKafka)
    assert kafka.bootstrap_servers == "broker-a:9092,broker-b:9092"
    assert not kafka.can_restart
    assert not (tmp_path / "unused").exists(), "nothing must be started or written"


def test_native_is_the_default_and_testcontainers_needs_docker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from deploy import _util

    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("USE_TESTCONTAINERS", "1")
    monkeypatch.setattr(_util, "docker_available", lambda: False)
    with pytest.raises(RuntimeError, match="no Docker engine"):
        kafka_from_env_or_start(tmp_path / "k")
    monkeypatch.delenv("USE_TESTCONTAINERS")
    assert _util.use_testcontainers() is False


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.integration
def test_postgres_cluster_create_database_and_query(tmp_path: Path) -> None:
    import psycopg

    cluster = PostgresCluster(tmp_path / "pg", extra_conf={"application_name": "launcher-test"})
    with cluster:
        assert cluster.is_running
        url = cluster.create_database("registry")
        assert url == f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/registry"
        assert cluster.create_database("registry") == url  # idempotent

        with psycopg.connect(cluster.conninfo("registry")) as conn:
            row = conn.execute(
                "SELECT 1, current_database(), current_setting('fsync'),"
                " current_setting('max_connections'), current_setting('application_name')"
            ).fetchone()
        assert row == (1, "registry", "off", "200", "launcher-test")

        pid = int((cluster.data_dir / "postmaster.pid").read_text().splitlines()[0])
        cluster.restart()
        with psycopg.connect(cluster.conninfo("registry")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        new_pid = int((cluster.data_dir / "postmaster.pid").read_text().splitlines()[0])
        assert new_pid != pid

        # DATABASE_URL pointing at a server short-circuits the launcher.
        os.environ["DATABASE_URL"] = cluster.url("postgres")
        try:
            external = postgres_from_env_or_start(tmp_path / "unused")
        finally:
            del os.environ["DATABASE_URL"]
        assert isinstance(external, ExternalPostgres)
        assert external.create_database("funding") == cluster.url("funding")
        with psycopg.connect(cluster.conninfo("funding")) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("funding",)
        assert not (tmp_path / "unused").exists()

    assert not cluster.is_running
    assert _process_gone(new_pid), "postmaster left running after stop()"


# --------------------------------------------------------------------------- no orphans (issue 12)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _wait_gone(pids: list[int], timeout_s: float = 40.0) -> list[int]:
    """The pids still alive after `timeout_s`."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        alive = [p for p in pids if not _process_gone(p)]
        if not alive:
            return []
        time.sleep(0.2)
    return [p for p in pids if not _process_gone(p)]


def _launcher(script: str) -> tuple[subprocess.Popen[str], list[str]]:
    """Run `script` in a child Python that prints lines then sleeps; return it and its lines."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines: list[str] = []
    while True:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"launcher exited: {lines}")
        lines.append(line.strip())
        if line.startswith("READY"):
            return proc, lines


@pytest.mark.integration
def test_killing_the_launcher_takes_the_kafka_jvm_with_it(tmp_path: Path) -> None:
    proc, lines = _launcher(
        "import time; from pathlib import Path; from deploy.kafka.launcher import KafkaBroker\n"
        f"b = KafkaBroker(Path({str(tmp_path / 'k')!r})).start()\n"
        "print('READY', b.pid, flush=True); time.sleep(600)\n"
    )
    watchdog = int(lines[-1].split()[1])
    jvms = _children(watchdog)
    assert jvms and "kafka.Kafka" in Path(f"/proc/{jvms[0]}/cmdline").read_text()
    proc.kill()  # SIGKILL: no atexit, no finally
    proc.wait()
    assert _wait_gone([watchdog, *jvms]) == [], "the Kafka JVM outlived its launcher"


@pytest.mark.integration
def test_killing_the_launcher_takes_the_postmaster_with_it(tmp_path: Path) -> None:
    proc, lines = _launcher(
        "import time; from pathlib import Path; from deploy.postgres.launcher import PostgresCluster\n"
        f"c = PostgresCluster(Path({str(tmp_path / 'pg')!r})).start()\n"
        "print('DIR', c.cluster_dir, flush=True)\n"
        "print('READY', c.postmaster_pid(), flush=True); time.sleep(600)\n"
    )
    postmaster = int(lines[-1].split()[1])
    assert not _process_gone(postmaster)
    proc.kill()
    proc.wait()
    try:
        assert _wait_gone([postmaster]) == [], "the postmaster outlived its launcher"
    finally:
        import shutil

        cluster_dir = Path(lines[-2].split(maxsplit=1)[1])
        if cluster_dir != tmp_path / "pg":
            shutil.rmtree(cluster_dir, ignore_errors=True)


def test_a_stale_kafka_pidfile_never_signals_an_unrelated_process(tmp_path: Path) -> None:
    broker = KafkaBroker(tmp_path / "k", port=1, controller_port=2)
    broker.work_dir.mkdir(parents=True)
    unrelated = subprocess.Popen(["sleep", "300"])
    try:
        broker.pid_file.write_text(f"{unrelated.pid}\n")
        broker.reap_leftover()
        assert unrelated.poll() is None, "an unrelated process was signalled"
        assert not broker.pid_file.exists()
    finally:
        unrelated.kill()
        unrelated.wait()


def test_a_leftover_broker_of_the_same_work_dir_is_reaped_on_start(tmp_path: Path) -> None:
    broker = KafkaBroker(tmp_path / "k", port=1, controller_port=2)
    broker.work_dir.mkdir(parents=True)
    # Stands in for a JVM whose launcher died: its command line names this broker's config.
    leftover = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)", str(broker.config_file)],
        start_new_session=True,
    )
    try:
        broker.pid_file.write_text(f"{leftover.pid}\n")
        broker.reap_leftover()
        assert leftover.wait(timeout=10) == -signal.SIGKILL
    finally:
        if leftover.poll() is None:
            leftover.kill()


@pytest.mark.integration
def test_a_stale_postmaster_pid_naming_another_process_is_dropped_not_signalled(tmp_path: Path) -> None:
    import psycopg

    cluster = PostgresCluster(tmp_path / "pg")
    with cluster:
        pid = cluster.postmaster_pid()
        cluster.stop(mode="immediate")
        unrelated = subprocess.Popen(["sleep", "300"])
        try:
            (cluster.data_dir / "postmaster.pid").write_text(f"{unrelated.pid}\n{cluster.data_dir}\n")
            cluster.start()
            assert unrelated.poll() is None, "an unrelated process was signalled"
            assert cluster.postmaster_pid() not in (None, pid, unrelated.pid)
            with psycopg.connect(cluster.conninfo("postgres")) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        finally:
            unrelated.kill()
            unrelated.wait()


def test_the_persistent_local_postgres_keeps_fsync_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from deploy.postgres import launcher

    assert "fsync" not in PostgresCluster(tmp_path / "a", port=1, durable=True).settings()
    assert "full_page_writes" not in PostgresCluster(tmp_path / "b", port=1, durable=True).settings()
    assert PostgresCluster(tmp_path / "c", port=1).settings()["fsync"] == "off"  # throwaway clusters

    made: list[dict[str, object]] = []

    class Stop(Exception):
        pass

    def capture(*args: object, **kwargs: object) -> None:
        made.append(kwargs)
        raise Stop

    monkeypatch.setattr(launcher, "PostgresCluster", capture)
    with pytest.raises(Stop):
        launcher.main(["run", "--port", "1", "--work-dir", str(tmp_path / "cli")])
    assert made == [{"port": 1, "durable": True}]


def test_free_ports_are_distinct_across_parallel_processes() -> None:
    script = (
        "import time; from deploy._util import free_port\n"
        "print(' '.join(str(free_port()) for _ in range(40)), flush=True); time.sleep(3)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    ports = [int(p) for proc in procs for p in proc.communicate(timeout=60)[0].split()]
    assert len(ports) == 160 and len(set(ports)) == 160
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    assert all(port < low for port in ports), "ports from the ephemeral range can be taken by clients"

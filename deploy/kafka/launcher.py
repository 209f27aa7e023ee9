"""Run a single-node Apache Kafka (KRaft, broker+controller) without Docker.

The broker jars are resolved from Maven Central with `deploy/kafka/pom.xml` into
`<cache>/kafka/<version>/libs` (cache: `$RENOVATION_CACHE` or `~/.cache/renovation-platform`),
then `kafka.Kafka` is started with plain `java` on loopback ports.

    with KafkaBroker(tmp_path / "kafka") as broker:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers)

CLI:
    python -m deploy.kafka.launcher run [--port 9092] [--work-dir DIR]
    python -m deploy.kafka.launcher ensure [--version 3.9.1]
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

from deploy._util import (
    cache_dir,
    free_port,
    pid_alive,
    port_accepts,
    port_is_free,
    process_mentions,
    tail,
    use_testcontainers,
    wait_for_signal,
    watchdog_command,
)

DEFAULT_VERSION = "3.9.1"
POM = Path(__file__).resolve().with_name("pom.xml")
BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"
TESTCONTAINERS_IMAGE_ENV = "TESTCONTAINERS_KAFKA_IMAGE"
# Confluent Platform 7.9 ships Apache Kafka 3.9; testcontainers' KafkaContainer needs a cp image.
DEFAULT_TESTCONTAINERS_IMAGE = "confluentinc/cp-kafka:7.9.0"
_COMPLETE_MARKER = ".complete"


class KafkaLauncherError(RuntimeError):
    """The release could not be resolved or the broker did not start."""


# --------------------------------------------------------------------------- release


def release_dir(version: str = DEFAULT_VERSION) -> Path:
    return cache_dir() / "kafka" / version


def ensure_release(version: str = DEFAULT_VERSION) -> Path:
    """Resolve the broker jars for `version` with Maven (once) and return the `libs` directory.

    A marker file is written only after Maven succeeded, so an interrupted copy is redone; a file
    lock serialises concurrent callers (e.g. pytest-xdist workers).
    """
    root = release_dir(version)
    libs = root / "libs"
    marker = root / _COMPLETE_MARKER
    if marker.is_file():
        return libs
    root.mkdir(parents=True, exist_ok=True)
    with open(root.with_name(f"{version}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file():  # somebody else finished while we waited
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise KafkaLauncherError(
                "Apache Maven (`mvn`) is needed to resolve the Kafka broker jars; "
                "install it (e.g. `apt-get install maven`) or set KAFKA_BOOTSTRAP_SERVERS"
            )
        if libs.exists():
            shutil.rmtree(libs)
        cmd = [
            mvn, "-q", "-B", "-f", str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={libs}",
            f"-Dkafka.version={version}",
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise KafkaLauncherError(
                f"resolving Kafka {version} with Maven failed (exit {result.returncode}):\n"
                f"$ {' '.join(cmd)}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        jar = libs / f"kafka_2.13-{version}.jar"
        if not jar.is_file():
            raise KafkaLauncherError(f"Maven finished but {jar} is missing")
        jars = sorted(p.name for p in libs.glob("*.jar"))
        marker.write_text("\n".join(jars) + "\n")
    return libs


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise KafkaLauncherError("a Java runtime (17+) is needed: apt-get install openjdk-17-jre")
    return java


def new_cluster_id() -> str:
    """Same format as `kafka-storage.sh random-uuid` (Uuid.randomUuid: url-safe base64, no '-')."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


# --------------------------------------------------------------------------- readiness probe


def _request(sock: socket.socket, api_key: int, version: int, corr: int, body: bytes) -> bytes:
    client_id = b"renovation-launcher"
    header = struct.pack(">hhih", api_key, version, corr, len(client_id)) + client_id
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", _recv_exact(sock, 4))[0]
    response = _recv_exact(sock, size)
    (got_corr,) = struct.unpack(">i", response[:4])
    if got_corr != corr:
        raise ConnectionError(f"correlation id {got_corr} != {corr}")
    return response[4:]


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf += chunk
    return bytes(buf)


def probe(host: str, port: int, timeout: float = 2.0) -> bool:
    """A real protocol round trip: ApiVersions v0 succeeds and Metadata v1 lists a live broker."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            api_versions = _request(sock, 18, 0, 1, b"")
            (error_code,) = struct.unpack(">h", api_versions[:2])
            if error_code != 0:
                return False
            # Metadata v1 with an empty topic array: brokers + controller only. Fenced brokers
            # are left out of the answer, so a non-empty list means the broker is serving.
            metadata = _request(sock, 3, 1, 2, struct.pack(">i", 0))
            (broker_count,) = struct.unpack(">i", metadata[:4])
            return broker_count >= 1
    except (OSError, ConnectionError, struct.error):
        return False


# --------------------------------------------------------------------------- broker


_running: weakref.WeakSet[KafkaBroker] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for broker in list(_running):
        with contextlib.suppress(Exception):
            broker.stop(timeout=10)


class KafkaBroker:
    """One KRaft node (broker+controller) on 127.0.0.1, data and logs under `work_dir`.

    Ports are chosen once (free ports unless given) and kept for the object's lifetime, so
    `restart()` brings the same broker back on the same address with the same data.
    """

    can_restart = True

    def __init__(
        self,
        work_dir: Path,
        port: int | None = None,
        version: str = DEFAULT_VERSION,
        *,
        controller_port: int | None = None,
        extra_properties: dict[str, str] | None = None,
        heap: str = "512m",
        startup_timeout: float = 60.0,
        node_id: int = 1,
        quorum_voters: str | None = None,
        cluster_id: str | None = None,
    ) -> None:
        self.work_dir = Path(work_dir).resolve()
        self.node_id = node_id
        self.quorum_voters = quorum_voters
        self.cluster_id = cluster_id
        self.version = version
        self.port = port if port is not None else free_port()
        self.controller_port = (
            controller_port if controller_port is not None else free_port(exclude={self.port})
        )
        self.extra_properties = dict(extra_properties or {})
        self.heap = heap
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None

    # paths ------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.work_dir / "data"

    @property
    def config_file(self) -> Path:
        return self.work_dir / "server.properties"

    @property
    def log4j_file(self) -> Path:
        return self.work_dir / "log4j.properties"

    @property
    def log_file(self) -> Path:
        """Broker log (WARN and above)."""
        return self.work_dir / "kafka.log"

    @property
    def stdout_file(self) -> Path:
        """JVM stdout/stderr (crashes before logging is up land here)."""
        return self.work_dir / "kafka.out"

    @property
    def pid_file(self) -> Path:
        """The watchdog's pid (leader of the broker's process group), for reaping after a crash."""
        return self.work_dir / "kafka.pid"

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # lifecycle --------------------------------------------------------------
    def ensure_release(self) -> Path:
        return ensure_release(self.version)

    def properties(self) -> dict[str, str]:
        voters = self.quorum_voters or f"{self.node_id}@127.0.0.1:{self.controller_port}"
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": voters,
            "listeners": (f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "num.partitions": "3",
            "auto.create.topics.enable": "true",
            "default.replication.factor": "1",
            "offsets.topic.replication.factor": "1",
            # 50 partitions (the default) makes the first consumer-group join slow in tests.
            "offsets.topic.num.partitions": "3",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "3",
            "min.insync.replicas": "1",
            "group.initial.rebalance.delay.ms": "0",
        }
        props.update(self.extra_properties)
        return props

    def _write_config(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        lines = [f"{k}={v}" for k, v in self.properties().items()]
        self.config_file.write_text("# written by deploy/kafka/launcher.py\n" + "\n".join(lines) + "\n")
        self.log4j_file.write_text(
            "log4j.rootLogger=WARN, file\n"
            "log4j.appender.file=org.apache.log4j.FileAppender\n"
            f"log4j.appender.file.File={self.log_file}\n"
            "log4j.appender.file.Append=true\n"
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            # One INFO line per start/stop makes the log useful without making it noisy.
            "log4j.logger.kafka.server.KafkaRaftServer=INFO\n"
        )

    def _format_storage(self, libs: Path) -> None:
        if (self.data_dir / "meta.properties").is_file():
            return
        cmd = [
            _java(), "-cp", f"{libs}/*",
            f"-Dlog4j.configuration=file:{self.log4j_file}",
            "kafka.tools.StorageTool", "format",
            "-t", self.cluster_id or new_cluster_id(), "-c", str(self.config_file),
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise KafkaLauncherError(
                f"formatting KRaft storage failed (exit {result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )

    def start(self) -> KafkaBroker:
        """Start the broker and block until it serves metadata; no-op when already running."""
        if self.is_running:
            return self
        self.launch()
        try:
            self.wait_ready()
        except BaseException:
            self.stop(timeout=5)
            raise
        return self

    def launch(self) -> None:
        """Start the JVM without waiting (a cluster launches every node before any can be ready)."""
        libs = self.ensure_release()
        self.reap_leftover()
        # A foreign server on our port would answer the readiness probe in our place.
        busy = self._busy_ports(wait_s=10.0)
        if busy:
            raise KafkaLauncherError(
                f"port(s) {busy} on 127.0.0.1 are already in use; pick other ports "
                f"(or set {BOOTSTRAP_ENV} to use the server that is listening there)"
            )
        self._write_config()
        self._format_storage(libs)
        cmd = [
            _java(), f"-Xmx{self.heap}", "-Xms64m",
            "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={self.work_dir}",
            f"-Dlog4j.configuration=file:{self.log4j_file}",
            "-cp", f"{libs}/*",
            "kafka.Kafka", str(self.config_file),
        ]  # fmt: skip
        self._out = open(self.stdout_file, "ab")  # noqa: SIM115 - closed in stop()
        # The JVM runs under a watchdog holding a pipe from us: if this process dies (SIGKILL
        # included) the pipe closes and the watchdog stops the JVM, so no broker is orphaned.
        self._proc = subprocess.Popen(
            watchdog_command(*cmd),
            cwd=self.work_dir,
            stdin=subprocess.PIPE,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() signals the whole group
        )
        self.pid_file.write_text(f"{self._proc.pid}\n")
        _running.add(self)

    def _busy_ports(self, wait_s: float) -> list[int]:
        """Our ports that are taken, after waiting a little (a killed JVM lets go of them late)."""
        deadline = time.monotonic() + wait_s
        while True:
            busy = [p for p in (self.port, self.controller_port) if not port_is_free(p)]
            if not busy or time.monotonic() > deadline:
                return busy
            time.sleep(0.25)

    def wait_ready(self) -> None:
        """Block until the broker answers a metadata request listing a live broker."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise KafkaLauncherError(
                    f"Kafka exited with code {self._proc.returncode} during startup\n{self._log_tails()}"
                )
            if port_accepts("127.0.0.1", self.port) and probe("127.0.0.1", self.port):
                return
            time.sleep(0.2)
        raise KafkaLauncherError(
            f"Kafka did not become ready on {self.bootstrap_servers} within "
            f"{self.startup_timeout:.0f}s\n{self._log_tails()}"
        )

    def _log_tails(self) -> str:
        return (
            f"--- {self.log_file} ---\n{tail(self.log_file)}\n"
            f"--- {self.stdout_file} ---\n{tail(self.stdout_file)}"
        )

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the broker's process group, wait up to `timeout`, then SIGKILL."""
        proc = self._proc
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
            # Children of the group (the JVM, if the watchdog went first) go too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            _wait_group_gone(proc.pid, timeout=10)
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
        self._proc = None
        self.pid_file.unlink(missing_ok=True)
        if self._out is not None:
            self._out.close()
            self._out = None
        _running.discard(self)

    def reap_leftover(self) -> None:
        """Stop a broker of this work dir left by a launcher that died before the watchdog could
        act. The pid in `kafka.pid` is signalled only while its command line still names this
        broker's config file: a reused pid belongs to somebody else."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        if process_mentions(pid, str(self.config_file)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL) if os.getpgid(pid) == pid else os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL without a clean shutdown (crash simulation); `start()` recovers the data."""
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)
        self.stop()

    def restart(self) -> None:
        """Stop, then start again on the same ports with the same data directory."""
        self.stop()
        self.start()

    def __enter__(self) -> KafkaBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"KafkaBroker({self.bootstrap_servers}, {self.version}, {state}, {self.work_dir})"


def _wait_group_gone(pgid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass
        time.sleep(0.05)


class KafkaCluster:
    """`size` KRaft nodes (each broker+controller) on loopback, as a city runs Kafka: topics get
    `size` replicas with `min.insync.replicas` = `min_insync_replicas`, auto-creation is off, and
    any one node can be killed and restarted (`brokers[i].kill()` / `.start()`) while the others
    keep a quorum."""

    can_restart = True

    def __init__(
        self,
        work_dir: Path,
        size: int = 3,
        *,
        min_insync_replicas: int = 2,
        version: str = DEFAULT_VERSION,
        heap: str = "384m",
        startup_timeout: float = 120.0,
    ) -> None:
        if not 1 <= min_insync_replicas <= size:
            raise ValueError("min_insync_replicas must be between 1 and the cluster size")
        self.work_dir = Path(work_dir).resolve()
        ports = [free_port() for _ in range(2 * size)]
        voters = ",".join(f"{i + 1}@127.0.0.1:{ports[size + i]}" for i in range(size))
        cluster_id = new_cluster_id()
        replicated = {
            "num.partitions": "3",
            "auto.create.topics.enable": "false",
            "default.replication.factor": str(size),
            "min.insync.replicas": str(min_insync_replicas),
            "unclean.leader.election.enable": "false",
            "offsets.topic.replication.factor": str(size),
            "transaction.state.log.replication.factor": str(size),
            "transaction.state.log.min.isr": str(min_insync_replicas),
        }
        self.brokers = [
            KafkaBroker(
                self.work_dir / f"node-{i + 1}",
                port=ports[i],
                controller_port=ports[size + i],
                version=version,
                extra_properties=replicated,
                heap=heap,
                startup_timeout=startup_timeout,
                node_id=i + 1,
                quorum_voters=voters,
                cluster_id=cluster_id,
            )
            for i in range(size)
        ]

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(b.bootstrap_servers for b in self.brokers)

    def broker(self, node_id: int) -> KafkaBroker:
        return next(b for b in self.brokers if b.node_id == node_id)

    def start(self) -> KafkaCluster:
        """Launch every node, then wait for each (a node is ready only once a quorum is up)."""
        ensure_release(self.brokers[0].version)
        try:
            for broker in self.brokers:
                if not broker.is_running:
                    broker.launch()
            for broker in self.brokers:
                broker.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every broker at once: stopped one after another, the last ones wait out their
        controlled shutdown's timeout, because the controller quorum left with the first."""
        with ThreadPoolExecutor(max_workers=max(1, len(self.brokers))) as pool:
            list(pool.map(lambda broker: broker.stop(), self.brokers))

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> KafkaCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"KafkaCluster({self.bootstrap_servers}, {self.work_dir})"


# --------------------------------------------------------------------------- env / containers


class KafkaEndpoint(Protocol):
    """What tests need from any Kafka: an address, a way to stop, and whether restart works."""

    can_restart: bool

    @property
    def bootstrap_servers(self) -> str: ...

    def start(self) -> Any: ...

    def stop(self) -> None: ...

    def restart(self) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ExternalKafka:
    """An existing cluster (from `KAFKA_BOOTSTRAP_SERVERS`); start/stop do nothing."""

    can_restart = False

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap_servers = bootstrap_servers

    @property
    def bootstrap_servers(self) -> str:
        return self._bootstrap_servers

    def start(self) -> ExternalKafka:
        return self

    def stop(self) -> None:
        return None

    def restart(self) -> None:
        raise NotImplementedError("an external Kafka cluster cannot be restarted from here")

    def __enter__(self) -> ExternalKafka:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __repr__(self) -> str:
        return f"ExternalKafka({self._bootstrap_servers})"


class ContainerKafka:
    """testcontainers' KafkaContainer (KRaft) behind the same small interface."""

    can_restart = False

    def __init__(self, image: str | None = None) -> None:
        self.image = image or os.environ.get(TESTCONTAINERS_IMAGE_ENV, DEFAULT_TESTCONTAINERS_IMAGE)
        self._container: Any = None

    @property
    def bootstrap_servers(self) -> str:
        if self._container is None:
            raise KafkaLauncherError("container not started")
        return str(self._container.get_bootstrap_server())

    def start(self) -> ContainerKafka:
        if self._container is None:
            try:
                from testcontainers.community.kafka import KafkaContainer
            except ImportError:  # older testcontainers layout
                from testcontainers.kafka import KafkaContainer
            self._container = KafkaContainer(self.image).with_kraft().start()
        return self

    def stop(self) -> None:
        if self._container is not None:
            self._container.stop()
            self._container = None

    def restart(self) -> None:
        raise NotImplementedError("restart is only supported for the native KafkaBroker")

    def __enter__(self) -> ContainerKafka:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def kafka_from_env_or_start(work_dir: Path, **broker_kwargs: Any) -> KafkaEndpoint:
    """A running Kafka, chosen in this order:

    1. `KAFKA_BOOTSTRAP_SERVERS` set: that cluster (nothing is started);
    2. `USE_TESTCONTAINERS=1` and a Docker engine: a testcontainers KafkaContainer;
    3. otherwise a native `KafkaBroker` under `work_dir`.

    The result is already started; call `stop()` (or use it as a context manager) when done.
    Check `can_restart` before relying on `restart()`.
    """
    bootstrap = os.environ.get(BOOTSTRAP_ENV, "").strip()
    if bootstrap:
        return ExternalKafka(bootstrap)
    if use_testcontainers():
        return ContainerKafka().start()
    return KafkaBroker(work_dir, **broker_kwargs).start()


# --------------------------------------------------------------------------- CLI


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.kafka.launcher", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a broker in the foreground until SIGTERM/SIGINT")
    run.add_argument("--port", type=int, default=9092)
    run.add_argument("--controller-port", type=int, default=None)
    run.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="data/config/log directory (default: <cache>/run/kafka-<port>)",
    )
    run.add_argument("--version", default=DEFAULT_VERSION)
    ensure = sub.add_parser("ensure", help="only resolve the Kafka release into the cache")
    ensure.add_argument("--version", default=DEFAULT_VERSION)
    args = parser.parse_args(argv)

    if args.command == "ensure":
        libs = ensure_release(args.version)
        print(f"kafka {args.version} libs at {libs}", flush=True)
        return 0

    work_dir = args.work_dir or cache_dir() / "run" / f"kafka-{args.port}"
    broker = KafkaBroker(work_dir, port=args.port, version=args.version, controller_port=args.controller_port)
    # Stop cleanly if SIGTERM arrives while still starting up.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        broker.start()
        print(f"kafka ready at {broker.bootstrap_servers}", flush=True)
        received = wait_for_signal(alive=lambda: broker.is_running)
        if received is None:
            print(f"kafka exited unexpectedly; see {broker.log_file}", file=sys.stderr, flush=True)
            return 1
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        broker.stop()
        print("kafka stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())

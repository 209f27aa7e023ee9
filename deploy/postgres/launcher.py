"""Run a throwaway PostgreSQL cluster without Docker, using the server binaries on the machine.

    with PostgresCluster(tmp_path / "pg") as pg:
        pg.create_database("registry")
        url = pg.url("registry")   # postgresql+psycopg://postgres@127.0.0.1:<port>/registry

initdb refuses to run as root, so when this process is root the cluster directory is owned by the
`postgres` system user and initdb/pg_ctl run through `runuser -u postgres --`.

CLI:
    python -m deploy.postgres.launcher run [--port 5432] [--work-dir DIR] [--create-db NAME ...]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from deploy._util import (
    cache_dir,
    free_port,
    pid_alive,
    port_is_free,
    process_mentions,
    tail,
    use_testcontainers,
    wait_for_signal,
    watchdog_command,
)

DATABASE_URL_ENV = "DATABASE_URL"
BINDIR_ENV = "POSTGRES_BINDIR"
TESTCONTAINERS_IMAGE_ENV = "TESTCONTAINERS_POSTGRES_IMAGE"
DEFAULT_TESTCONTAINERS_IMAGE = "postgres:16.10"
SUPERUSER = "postgres"
# Unix socket paths are limited to ~107 bytes (sun_path); leave room for "/.s.PGSQL.NNNNN".
_MAX_SOCKET_DIR = 90

# Throwaway clusters only: a crash may lose or corrupt data. `durable=True` (the CLI's persistent
# local cluster) leaves PostgreSQL's safe defaults on.
TEST_CONF: dict[str, str] = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_connections": "200",
}


class PostgresLauncherError(RuntimeError):
    """Binaries missing, initdb/pg_ctl failed, or the server did not come up."""


def find_bindir() -> Path:
    """`$POSTGRES_BINDIR`, else the highest `/usr/lib/postgresql/<major>/bin`, else `pg_config`."""
    candidates: list[Path] = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(Path(os.environ[BINDIR_ENV]))
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        majors = [p for p in root.iterdir() if re.fullmatch(r"\d+(\.\d+)?", p.name)]
        for major in sorted(majors, key=lambda p: float(p.name), reverse=True):
            candidates.append(major / "bin")
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(Path(result.stdout.strip()))
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise PostgresLauncherError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin "
        f"or `pg_config --bindir`; install them with `apt-get install postgresql` "
        f"(or set {BINDIR_ENV}, or {DATABASE_URL_ENV} to use an existing server)"
    )


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _to_psycopg_conninfo(url: str) -> str:
    """SQLAlchemy-style `postgresql+psycopg://...` to a libpq URI psycopg accepts."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "postgres":
        scheme = "postgresql"
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def _create_database(conninfo: str, name: str) -> None:
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return
        with contextlib.suppress(errors.DuplicateDatabase):  # lost a race with another creator
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


_running: weakref.WeakSet[PostgresCluster] = weakref.WeakSet()
# Private directories outside any work_dir; removed at exit even when callers only call stop().
_private_dirs: set[Path] = set()


@atexit.register
def _stop_leftovers() -> None:
    for cluster in list(_running):
        with contextlib.suppress(Exception):
            cluster.stop(mode="immediate")
    for path in list(_private_dirs):
        if not (path / "data" / "postmaster.pid").exists():
            shutil.rmtree(path, ignore_errors=True)
            _private_dirs.discard(path)


class PostgresCluster:
    """A PostgreSQL cluster on 127.0.0.1:<port> with trust auth for the `postgres` superuser.

    Data, config, socket and log live under `work_dir` (`data/`, `run/`, `postgres.log`). When
    running as root and the `postgres` user cannot reach `work_dir` (e.g. pytest's 0700
    `/tmp/pytest-of-root`), the cluster lives in a private directory under the system temp dir
    instead; `cluster_dir` says where, and `cleanup()`, leaving the `with` block or interpreter
    exit (for a stopped cluster) removes it.
    """

    def __init__(
        self,
        work_dir: Path,
        port: int | None = None,
        *,
        extra_conf: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
        durable: bool = False,
    ) -> None:
        self.work_dir = Path(work_dir).resolve()
        self.port = port if port is not None else free_port()
        self.host = "127.0.0.1"
        self.extra_conf = dict(extra_conf or {})
        self.startup_timeout = startup_timeout
        self.durable = durable
        self._watchdog: subprocess.Popen[bytes] | None = None
        self.bindir = find_bindir()
        self._as_postgres = os.geteuid() == 0
        self._cluster_dir: Path | None = None
        self._owned_dirs: list[Path] = []  # directories outside work_dir we created
        self._socket_dir: Path | None = None
        self._started = False

    # paths ------------------------------------------------------------------
    @property
    def cluster_dir(self) -> Path:
        if self._cluster_dir is None:
            self._cluster_dir = self._prepare_dirs()
        return self._cluster_dir

    @property
    def data_dir(self) -> Path:
        return self.cluster_dir / "data"

    @property
    def socket_dir(self) -> Path:
        if self._socket_dir is None:
            socket_dir = self.cluster_dir / "run"
            if len(str(socket_dir)) > _MAX_SOCKET_DIR:
                socket_dir = self._private_dir("renovation-pgsock-")
            socket_dir.mkdir(parents=True, exist_ok=True)
            self._give_to_postgres(socket_dir)
            self._socket_dir = socket_dir
        return self._socket_dir

    @property
    def log_file(self) -> Path:
        return self.cluster_dir / "postgres.log"

    # ownership --------------------------------------------------------------
    def _postgres_ids(self) -> tuple[int, int]:
        try:
            entry = pwd.getpwnam(SUPERUSER)
        except KeyError:
            raise PostgresLauncherError(
                "running as root needs a `postgres` system user for initdb/pg_ctl; "
                "`apt-get install postgresql` creates it"
            ) from None
        return entry.pw_uid, entry.pw_gid

    def _give_to_postgres(self, path: Path) -> None:
        if not self._as_postgres:
            return
        uid, gid = self._postgres_ids()
        for dirpath, dirnames, filenames in os.walk(path):
            os.chown(dirpath, uid, gid)
            for name in dirnames + filenames:
                os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)

    def _postgres_can_use(self, path: Path) -> bool:
        result = subprocess.run(
            ["runuser", "-u", SUPERUSER, "--", "test", "-w", str(path), "-a", "-x", str(path)],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def _private_dir(self, prefix: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=prefix))
        self._owned_dirs.append(path)
        _private_dirs.add(path)
        self._give_to_postgres(path)
        return path

    def _prepare_dirs(self) -> Path:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        if not self._as_postgres:
            return self.work_dir
        self._postgres_ids()  # fail early with a clear message
        self._give_to_postgres(self.work_dir)
        if self._postgres_can_use(self.work_dir):
            return self.work_dir
        private = self._private_dir("renovation-pg-")
        (self.work_dir / "CLUSTER_LOCATION").write_text(
            f"{private}\n(the postgres user cannot reach {self.work_dir})\n"
        )
        return private

    # commands ---------------------------------------------------------------
    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bindir / tool), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        return cmd

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        # Output goes to a file, not a pipe: pg_ctl's server child could otherwise hold the pipe.
        out = self.cluster_dir / f"{tool}.out"
        with open(out, "w") as fh:
            self._give_to_postgres(out)
            result = subprocess.run(
                self._cmd(tool, *args),
                stdin=subprocess.DEVNULL,
                stdout=fh,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
                cwd=self.cluster_dir,
            )
        result.stdout = out.read_text(errors="replace")
        return result

    def _locale(self) -> str:
        result = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
        available = {line.strip().lower() for line in result.stdout.splitlines()}
        return "C.UTF-8" if {"c.utf8", "c.utf-8"} & available else "C"

    def _initdb(self) -> None:
        if (self.data_dir / "PG_VERSION").is_file():
            return
        if self.data_dir.exists():  # a half-made cluster from an interrupted initdb
            shutil.rmtree(self.data_dir)
        result = self._run(
            "initdb",
            "-D", str(self.data_dir),
            "--auth=trust", "-U", SUPERUSER, "-E", "UTF8",
            f"--locale={self._locale()}",
            "--no-sync",
        )  # fmt: skip
        if result.returncode != 0:
            raise PostgresLauncherError(f"initdb failed (exit {result.returncode}):\n{result.stdout}")
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write("\n# deploy/postgres/launcher.py rewrites launcher.conf on every start\n")
            conf.write("include_if_exists = 'launcher.conf'\n")

    def settings(self) -> dict[str, str]:
        conf = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            **({"max_connections": TEST_CONF["max_connections"]} if self.durable else TEST_CONF),
        }
        conf.update(self.extra_conf)
        return conf

    def _write_conf(self) -> None:
        path = self.data_dir / "launcher.conf"
        path.write_text("".join(f"{k} = {_quote(v)}\n" for k, v in self.settings().items()))
        self._give_to_postgres(path)

    # lifecycle --------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        if self._cluster_dir is None or not (self.data_dir / "PG_VERSION").is_file():
            return False
        return self._run("pg_ctl", "-D", str(self.data_dir), "status").returncode == 0

    def start(self) -> PostgresCluster:
        """initdb once, then start the server and wait until it accepts connections."""
        if self._started and self.is_running:
            return self
        self.reap_leftover()
        if not port_is_free(self.port, self.host):
            raise PostgresLauncherError(
                f"port {self.port} on {self.host} is already in use; pick another port "
                f"(or set {DATABASE_URL_ENV} to use the server that is listening there)"
            )
        self._initdb()
        self._write_conf()
        self._give_to_postgres(self.cluster_dir)
        result = self._run(
            "pg_ctl",
            "-D", str(self.data_dir),
            "-l", str(self.log_file),
            "-w", "-t", str(int(self.startup_timeout)),
            "start",
            timeout=self.startup_timeout + 30,
        )  # fmt: skip
        if result.returncode != 0:
            raise PostgresLauncherError(
                f"pg_ctl start failed (exit {result.returncode}):\n{result.stdout}\n"
                f"--- {self.log_file} ---\n{tail(self.log_file)}"
            )
        self._started = True
        _running.add(self)
        self._start_watchdog()
        self._wait_for_connection()
        return self

    def _start_watchdog(self) -> None:
        """pg_ctl daemonises the postmaster, so nothing would stop it if this process died; a
        watchdog holding a pipe from us runs `pg_ctl stop -m immediate` when the pipe closes."""
        stop = self._cmd("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        self._watchdog = subprocess.Popen(
            watchdog_command(on_exit=stop),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _stop_watchdog(self) -> None:
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:
            with contextlib.suppress(ProcessLookupError):
                watchdog.kill()  # SIGKILL: its on-exit stop must not run after ours
            watchdog.wait(timeout=10)
            if watchdog.stdin is not None:
                with contextlib.suppress(OSError):
                    watchdog.stdin.close()

    def postmaster_pid(self) -> int | None:
        """The pid in `postmaster.pid`, if the file is there and readable."""
        try:
            return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _is_our_postmaster(self, pid: int | None) -> bool:
        """Only a live `postgres -D <our data dir>` is ours to signal; pids get reused."""
        return process_mentions(pid, f"-D {self.data_dir}")

    def reap_leftover(self) -> None:
        """Before starting: stop a postmaster of this data dir left by a dead launcher, and drop a
        stale `postmaster.pid` whose pid now belongs to an unrelated process."""
        if self._cluster_dir is None and not (self.work_dir / "data").exists():
            return
        pid = self.postmaster_pid()
        if pid is None:
            return
        if self._is_our_postmaster(pid):
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
            if self._is_our_postmaster(pid):
                self._kill_postmaster()
        else:
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)

    def _wait_for_connection(self) -> None:
        import psycopg

        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with psycopg.connect(self.conninfo("postgres"), connect_timeout=3) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresLauncherError(
                        f"PostgreSQL on {self.host}:{self.port} is not accepting connections: "
                        f"{exc}\n--- {self.log_file} ---\n{tail(self.log_file)}"
                    ) from exc
                time.sleep(0.2)

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m fast` (or `smart`/`immediate`); no-op when not running."""
        self._stop_watchdog()
        if self._cluster_dir is None or not (self.data_dir / "postmaster.pid").exists():
            self._started = False
            _running.discard(self)
            return
        result = self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop")
        if result.returncode != 0 and (self.data_dir / "postmaster.pid").exists():
            self._kill_postmaster()
        self._started = False
        _running.discard(self)

    def _kill_postmaster(self) -> None:
        pid = self.postmaster_pid()
        if not self._is_our_postmaster(pid):
            return  # a stale pid file: never signal whatever process has that pid now
        assert pid is not None
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown of postmaster and its children
            for _ in range(100):
                if not pid_alive(pid):
                    return
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Remove directories this object created outside `work_dir` (cluster must be stopped)."""
        for path in self._owned_dirs:
            shutil.rmtree(path, ignore_errors=True)
            _private_dirs.discard(path)
        self._owned_dirs.clear()

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self.cleanup()

    # clients ----------------------------------------------------------------
    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL for the psycopg 3 driver."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq URI for `psycopg.connect`."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE if it does not exist; returns `url(name)`."""
        _create_database(self.conninfo("postgres"), name)
        return self.url(name)

    def __repr__(self) -> str:
        return f"PostgresCluster({self.host}:{self.port}, {self.work_dir})"


# --------------------------------------------------------------------------- env / containers


class PostgresServer(Protocol):
    """What tests need from any PostgreSQL server."""

    def url(self, dbname: str = "postgres") -> str: ...

    def conninfo(self, dbname: str = "postgres") -> str: ...

    def create_database(self, name: str) -> str: ...

    def stop(self) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ExternalPostgres:
    """An existing server from a URL such as `postgresql+psycopg://user:pw@host:5432/postgres`;
    `url(dbname)` swaps the database name, start/stop do nothing."""

    def __init__(self, server_url: str) -> None:
        parts = urlsplit(server_url)
        scheme = parts.scheme
        if scheme in {"postgres", "postgresql"}:
            scheme = "postgresql+psycopg"
        if not scheme.startswith("postgresql"):
            raise PostgresLauncherError(f"{DATABASE_URL_ENV} is not a PostgreSQL URL: {scheme}://")
        self._parts = parts._replace(scheme=scheme)
        self.admin_db = parts.path.lstrip("/") or "postgres"

    def url(self, dbname: str = "postgres") -> str:
        return urlunsplit(self._parts._replace(path=f"/{dbname}"))

    def conninfo(self, dbname: str = "postgres") -> str:
        return _to_psycopg_conninfo(self.url(dbname))

    def create_database(self, name: str) -> str:
        _create_database(self.conninfo(self.admin_db), name)
        return self.url(name)

    def start(self) -> ExternalPostgres:
        return self

    def stop(self) -> None:
        return None

    def __enter__(self) -> ExternalPostgres:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __repr__(self) -> str:
        safe = self._parts._replace(netloc=self._parts.netloc.rpartition("@")[2])
        return f"ExternalPostgres({urlunsplit(safe)})"


class ContainerPostgres(ExternalPostgres):
    """testcontainers' PostgresContainer behind the same interface."""

    def __init__(self, image: str | None = None) -> None:
        try:
            from testcontainers.community.postgres import PostgresContainer
        except ImportError:  # older testcontainers layout
            from testcontainers.postgres import PostgresContainer
        image = image or os.environ.get(TESTCONTAINERS_IMAGE_ENV, DEFAULT_TESTCONTAINERS_IMAGE)
        self._container: Any = PostgresContainer(
            image, username="postgres", password="postgres", dbname="postgres", driver="psycopg"
        ).start()
        super().__init__(self._container.get_connection_url())

    def stop(self) -> None:
        if self._container is not None:
            self._container.stop()
            self._container = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def postgres_from_env_or_start(work_dir: Path, **cluster_kwargs: Any) -> PostgresServer:
    """A running PostgreSQL server, chosen in this order:

    1. `DATABASE_URL` set (a server URL): that server (nothing is started);
    2. `USE_TESTCONTAINERS=1` and a Docker engine: a testcontainers PostgresContainer;
    3. otherwise a native `PostgresCluster` under `work_dir`.

    The result is started; `url(dbname)` / `create_database(name)` work the same for all three.
    """
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return ExternalPostgres(url)
    if use_testcontainers():
        return ContainerPostgres()
    return PostgresCluster(work_dir, **cluster_kwargs).start()


# --------------------------------------------------------------------------- CLI


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.postgres.launcher", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a cluster in the foreground until SIGTERM/SIGINT")
    run.add_argument("--port", type=int, default=5432)
    run.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="cluster directory, kept between runs (default: <cache>/run/postgres-<port>)",
    )
    run.add_argument(
        "--create-db",
        action="append",
        default=[],
        metavar="NAME",
        help="database to create once the server is up (repeatable)",
    )
    args = parser.parse_args(argv)

    work_dir = args.work_dir or cache_dir() / "run" / f"postgres-{args.port}"
    # The CLI's cluster keeps its data between runs: fsync and full-page writes stay on.
    cluster = PostgresCluster(work_dir, port=args.port, durable=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        cluster.start()
        for name in args.create_db:
            cluster.create_database(name)
        print(f"postgres ready at {cluster.url()}", flush=True)
        received = wait_for_signal(alive=lambda: (cluster.data_dir / "postmaster.pid").exists())
        if received is None:
            print(f"postgres exited unexpectedly; see {cluster.log_file}", file=sys.stderr)
            return 1
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()
        print("postgres stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())

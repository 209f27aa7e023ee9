"""docker-compose.yml, the Dockerfile and the Prometheus/Grafana config agree with each other.

There is no Docker engine here, so this reads the files with PyYAML and checks the wiring that
`docker compose up` would otherwise only reveal at runtime.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

SERVICES = {"registry": 8001, "funding": 8002, "reporting": 8003, "notification": 8004}
REQUIRED_ENV = (
    "PORT",
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "ENVIRONMENT",
    "JWT_SECRET",
)
SECRET_ENV = ("JWT_SECRET",)
_VAR = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


def _interpolate(value: Any) -> Any:
    """Replace compose `${VAR...}` references with a placeholder, recursively."""
    if isinstance(value, str):
        return _VAR.sub("interpolated", value)
    if isinstance(value, list):
        return [_interpolate(v) for v in value]
    if isinstance(value, dict):
        return {k: _interpolate(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    assert COMPOSE_FILE.is_file(), "docker-compose.yml is missing"
    data = yaml.safe_load(COMPOSE_FILE.read_text())  # SafeLoader resolves anchors and `<<:`
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any]) -> dict[str, Any]:
    return _interpolate(raw_compose)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def _ports(service: dict[str, Any]) -> set[tuple[str, int]]:
    """(published, target) pairs; short syntax `[ip:]published:target[/proto]` or long syntax."""
    pairs: set[tuple[str, int]] = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            pairs.add((str(entry.get("published", "")), int(entry["target"])))
            continue
        spec = str(entry).split("/", 1)[0]
        parts = spec.rsplit(":", 2)
        if len(parts) == 1:
            pairs.add(("", int(parts[0])))
        else:
            pairs.add((parts[-2], int(parts[-1])))
    return pairs


def _bind_mounts(service: dict[str, Any]) -> dict[str, Path]:
    """container path -> host path for bind mounts (relative sources start with `.`)."""
    mounts: dict[str, Path] = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                mounts[volume["target"]] = (ROOT / volume["source"]).resolve()
            continue
        source, target = str(volume).split(":")[:2]
        if source.startswith((".", "/")):
            mounts[target] = (ROOT / source).resolve()
    return mounts


def _healthcheck_text(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, list):
        return " ".join(str(t) for t in test)
    return str(test or "")


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return {name: (cfg or {}) for name, cfg in deps.items()}


# --------------------------------------------------------------------------- application services


@pytest.mark.parametrize("name", SERVICES)
def test_service_builds_from_the_repository_dockerfile(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    assert name in services, f"compose has no `{name}` service"
    build = services[name].get("build")
    assert build is not None, f"{name} must be built, not pulled"
    if isinstance(build, str):
        build = {"context": build}
    context = (ROOT / build.get("context", ".")).resolve()
    dockerfile = (context / build.get("dockerfile", "Dockerfile")).resolve()
    assert context == ROOT, f"{name} builds from {context}, expected the repository root"
    assert dockerfile == DOCKERFILE.resolve() and dockerfile.is_file()


@pytest.mark.parametrize("name", SERVICES)
def test_service_command_runs_its_module(services: dict[str, dict[str, Any]], name: str) -> None:
    assert _command(services[name]) == ["python", "-m", f"services.{name}"]


@pytest.mark.parametrize("name", SERVICES)
def test_service_module_exists(name: str) -> None:
    if not (ROOT / "services").is_dir():
        pytest.skip("services/ is not written yet; cannot check services/<name>/__main__.py")
    main = ROOT / "services" / name / "__main__.py"
    assert main.is_file(), f"compose runs `python -m services.{name}` but {main} does not exist"


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_port_mapping_and_env(services: dict[str, dict[str, Any]], name: str, port: int) -> None:
    service = services[name]
    assert (str(port), port) in _ports(service), f"{name} must publish {port}:{port}"
    env = _env(service)
    missing = [key for key in REQUIRED_ENV if not env.get(key)]
    assert not missing, f"{name} lacks environment {missing}"
    assert env["PORT"] == str(port)
    assert env["ENVIRONMENT"] in {"development", "test", "production"}


@pytest.mark.parametrize("name", SERVICES)
def test_service_secrets_come_from_the_environment(raw_compose: dict[str, Any], name: str) -> None:
    env = _env(raw_compose["services"][name])
    for key in SECRET_ENV:
        assert _VAR.search(env[key]), f"{name}: {key} is hard-coded; use ${{{key}}} interpolation"


@pytest.mark.parametrize("name", SERVICES)
def test_service_database_url_points_at_its_own_database(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    url = urlsplit(_env(services[name])["DATABASE_URL"])
    assert url.scheme in {"postgresql+psycopg", "postgresql"}, url.scheme
    assert url.hostname == "postgres" and "postgres" in services
    assert url.port in (None, 5432)
    assert url.path == f"/{name}"
    postgres_env = _env(services["postgres"])
    assert url.username == postgres_env.get("POSTGRES_USER", "postgres")


@pytest.mark.parametrize("name", SERVICES)
def test_service_kafka_bootstrap_is_the_internal_listener(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    kafka_env = _env(services["kafka"])
    internal = kafka_env["KAFKA_INTER_BROKER_LISTENER_NAME"]
    advertised = dict(entry.split("://", 1) for entry in kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert internal in advertised, f"{internal} is not an advertised listener"
    host, port = advertised[internal].rsplit(":", 1)
    assert host == "kafka", "the internal listener must advertise the compose service name"
    assert _env(services[name])["KAFKA_BOOTSTRAP_SERVERS"] == f"kafka:{port}"
    listeners = dict(entry.split("://", 1) for entry in kafka_env["KAFKA_LISTENERS"].split(","))
    assert listeners[internal].rsplit(":", 1)[1] == port, "listener and advertised port differ"


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_healthcheck_hits_readyz_without_curl(
    services: dict[str, dict[str, Any]], name: str, port: int
) -> None:
    text = _healthcheck_text(services[name])
    assert f":{port}/readyz" in text, f"{name} healthcheck must call /readyz on {port}: {text!r}"
    assert "curl" not in text and "wget" not in text, "python:*-slim has neither curl nor wget"
    assert "urllib" in text


@pytest.mark.parametrize("name", SERVICES)
def test_service_waits_for_healthy_kafka_and_postgres(services: dict[str, dict[str, Any]], name: str) -> None:
    deps = _depends_on(services[name])
    for infra in ("kafka", "postgres"):
        assert deps.get(infra, {}).get("condition") == "service_healthy", (
            f"{name} must depend on {infra} being healthy"
        )
        assert _healthcheck_text(services[infra]), f"{infra} has no healthcheck to wait for"


# --------------------------------------------------------------------------- infrastructure


def test_kafka_is_single_node_kraft(services: dict[str, dict[str, Any]]) -> None:
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:3.9")
    env = _env(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{env['KAFKA_NODE_ID']}@kafka:")
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "1"
    assert "kafka-broker-api-versions" in _healthcheck_text(kafka)


def test_postgres_init_script_creates_every_service_database(
    services: dict[str, dict[str, Any]],
) -> None:
    postgres = services["postgres"]
    assert re.match(r"postgres:16(\.\d+)*(-\w+)?$", postgres["image"]), postgres["image"]
    assert "pg_isready" in _healthcheck_text(postgres)
    init_dir = _bind_mounts(postgres).get("/docker-entrypoint-initdb.d")
    assert init_dir is not None, "deploy/postgres/init must be mounted at /docker-entrypoint-initdb.d"
    assert init_dir == ROOT / "deploy" / "postgres" / "init" and init_dir.is_dir()
    sql = "\n".join(p.read_text() for p in sorted(init_dir.glob("*.sql")))
    created = set(re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)\"?", sql, flags=re.IGNORECASE))
    assert created >= set(SERVICES), f"init script creates {created}, not all of {set(SERVICES)}"


def test_prometheus_scrapes_exactly_the_compose_services(
    services: dict[str, dict[str, Any]],
) -> None:
    prometheus = services["prometheus"]
    config_path = _bind_mounts(prometheus).get("/etc/prometheus/prometheus.yml")
    assert config_path == ROOT / "deploy" / "prometheus" / "prometheus.yml"
    config = yaml.safe_load(config_path.read_text())
    targets: set[str] = set()
    for job in config["scrape_configs"]:
        if job["job_name"] == "prometheus":
            continue
        assert job.get("metrics_path", "/metrics") == "/metrics"
        for static in job.get("static_configs", []):
            targets.update(static["targets"])
    expected = {f"{name}:{port}" for name, port in SERVICES.items()}
    assert targets == expected
    for target in targets:
        host, port = target.rsplit(":", 1)
        assert host in services and (port, int(port)) in _ports(services[host])


def test_grafana_provisions_the_prometheus_datasource(
    services: dict[str, dict[str, Any]],
) -> None:
    provisioning = _bind_mounts(services["grafana"]).get("/etc/grafana/provisioning")
    assert provisioning == ROOT / "deploy" / "grafana" / "provisioning"
    sources = [
        source
        for path in sorted((provisioning / "datasources").glob("*.y*ml"))
        for source in yaml.safe_load(path.read_text()).get("datasources", [])
    ]
    prom = [s for s in sources if s["type"] == "prometheus"]
    assert len(prom) == 1
    url = urlsplit(prom[0]["url"])
    assert url.hostname == "prometheus" and "prometheus" in services
    assert (str(url.port), url.port) in _ports(services["prometheus"])
    for dashboard in (provisioning / "dashboards").rglob("*.json"):
        json.loads(dashboard.read_text())  # provisioned dashboards must at least parse


def test_every_image_is_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service.get("image")
        if image is None:
            assert "build" in service, f"{name} has neither image nor build"
            continue
        assert "@sha256:" in image or re.search(r":[^/:]*\d[^/:]*$", image), (
            f"{name}: image {image!r} has no version tag"
        )
        assert not image.endswith(":latest"), f"{name}: {image} uses latest"


# --------------------------------------------------------------------------- Dockerfile


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_is_consistent_with_compose() -> None:
    assert DOCKERFILE.is_file()
    instructions = _dockerfile_instructions()
    bases = [rest.split()[0] for kw, rest in instructions if kw == "FROM"]
    assert bases and all(re.match(r"python:3\.11[\w.-]*-slim", b) for b in bases), bases
    assert all(b != "python:latest" and ":" in b for b in bases)

    last_from = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    final = instructions[last_from:]
    assert not [r for kw, r in final if kw == "ENTRYPOINT"], (
        "an ENTRYPOINT would prepend itself to compose's `command`"
    )
    cmds = [r for kw, r in final if kw == "CMD"]
    assert cmds, "the final stage needs a CMD"
    cmd = json.loads(cmds[-1])  # exec form, so signals reach the Python process
    assert cmd[:2] == ["python", "-m"] and cmd[2] in {f"services.{n}" for n in SERVICES}

    users = [r for kw, r in final if kw == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "must run as a non-root user"
    exposed = {int(p.split("/")[0]) for kw, r in final if kw == "EXPOSE" for p in r.split()}
    assert exposed >= set(SERVICES.values())
    runs = " ".join(r for kw, r in instructions if kw == "RUN")
    assert re.search(r"pip install[^&]*\s\.(\s|$)", runs), "the image must `pip install .`"


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".env"} <= ignored


# --------------------------------------------------------------------------- topics (issue 12)


def test_kafka_does_not_create_topics_on_first_use(services: dict[str, dict[str, Any]]) -> None:
    env = _env(services["kafka"])
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env.get("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false") == "false"


@pytest.mark.parametrize("name", SERVICES)
def test_service_topic_replication_fits_the_compose_brokers(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    """ENVIRONMENT=production defaults to 3 replicas; a one-broker compose must say 1, or every
    service fails to create its topics."""
    brokers = sum(1 for s in services.values() if str(s.get("image", "")).startswith("apache/kafka"))
    env = _env(services[name])
    replicas = int(env.get("KAFKA_REPLICATION_FACTOR", "3"))
    min_isr = int(env.get("KAFKA_MIN_INSYNC_REPLICAS", "2"))
    assert min_isr <= replicas <= brokers
    assert int(env["TOPIC_PARTITIONS"]) >= 6, "partitions are chosen with headroom for consumer replicas"


# --------------------------------------------------------------------------- image (issue 12, item 14)


def test_the_image_installs_what_the_tests_ran_with() -> None:
    instructions = _dockerfile_instructions()
    copies = " ".join(r for kw, r in instructions if kw == "COPY")
    assert "constraints.txt" in copies
    installs = [r for kw, r in instructions if kw == "RUN" and "pip install" in r]
    assert installs and all("-c constraints.txt" in r for r in installs), installs


def test_constraints_agree_with_the_pinned_dependencies() -> None:
    import tomllib

    pins = dict(
        line.split("==", 1)
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    pins = {re.sub(r"[-_.]+", "-", k).lower(): v.strip() for k, v in pins.items()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in project:
        name, _, version = requirement.partition("==")
        name = re.sub(r"\[.*\]", "", name)
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in pins:  # a package added since the last `make lock` is only pinned in pyproject
            assert pins[key] == version, f"{name}: pyproject {version} != constraints {pins[key]}"

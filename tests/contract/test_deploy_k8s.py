"""The Kubernetes manifests (deploy/k8s/base, Kustomize) describe the platform as the code runs it:
a Deployment per service with replicas and probes, migrations as Jobs, topics as Strimzi
KafkaTopics matching the production topic settings, PostgreSQL as a CloudNativePG cluster.

Schema validation uses kubeconform when it is on PATH, beside the virtualenv's python (where
scripts/bootstrap installs it) or in $KUBECONFORM, with a schema mirror made from the
`kubernetes-validate` package's schemas (or the folder named by $KUBECONFORM_SCHEMA_LOCATION):
tests never fetch schemas from the network.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.funding.settings import FundingSettings
from shared.bus.kafka import TopicSpec
from shared.contracts.topics import FUNDING_EVENTS, REGISTRY_EVENTS, REPORTING_EVENTS, dead_letter_topic

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
SERVICES = {"registry": 8001, "funding": 8002, "reporting": 8003, "notification": 8004}


def _resources() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((BASE / name).read_text()) if d)
    return docs


def _of(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _resources() if d["kind"] == kind}


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_each_service_is_a_deployment_with_replicas_probes_and_no_start_up_migrations(
    name: str, port: int
) -> None:
    deployment = _of("Deployment")[name]
    assert deployment["spec"]["replicas"] >= 2
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", f"services.{name}"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    env = _env(container)
    assert env["PORT"] == str(port) and env["RUN_MIGRATIONS_ON_START"] == "false"
    assert env["KAFKA_TOPICS_PROVISIONED"] == "true"
    assert "secretKeyRef" in env["JWT_SECRET"] and "secretKeyRef" in env["KAFKA_SASL_PASSWORD"]
    assert f"/{name}" in env["DATABASE_URL"]
    assert container["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_migrated_by_a_one_shot_job(name: str) -> None:
    [container] = _of("Job")[f"{name}-migrate"]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "shared.db.migrate", name]
    assert f"/{name}" in _env(container)["DATABASE_URL"]


def test_topics_are_declared_with_the_production_topic_settings() -> None:
    production = FundingSettings(
        environment="production",
        jwt_secret="x" * 48,
        database_url="postgresql://u@db/funding",
        topic_partitions=12,
    )
    spec = TopicSpec.from_settings(production)
    topics = {t["spec"]["topicName"]: t["spec"] for t in _of("KafkaTopic").values()}
    wanted = {REGISTRY_EVENTS, FUNDING_EVENTS, REPORTING_EVENTS} | {dead_letter_topic(s) for s in SERVICES}
    assert set(topics) == wanted
    for topic in topics.values():
        assert topic["replicas"] == spec.replication_factor
        assert topic["partitions"] == spec.partitions
        assert topic["config"]["min.insync.replicas"] == spec.min_insync_replicas
        assert topic["config"]["unclean.leader.election.enable"] is False


def test_postgres_is_a_cloudnativepg_cluster_with_every_service_database() -> None:
    [cluster] = _of("Cluster").values()
    assert cluster["apiVersion"].startswith("postgresql.cnpg.io/")
    assert cluster["spec"]["instances"] >= 3
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    created = {initdb["database"]} | {sql.split()[2] for sql in initdb["postInitSQL"]}
    assert created == set(SERVICES)


KUBECONFORM_VERSION = "v0.7.0"
"""Installed by scripts/bootstrap from the Go module proxy (into .venv/bin) when Go is present."""
KUBERNETES_VERSION = "1.35.0"
"""The oldest Kubernetes release the manifests are validated against (the oldest of the three
minor releases still supported upstream when these were written)."""


def _kubeconform() -> str | None:
    beside_python = Path(sys.executable).parent / "kubeconform"
    found = os.environ.get("KUBECONFORM") or shutil.which("kubeconform")
    return found or (str(beside_python) if beside_python.exists() else None)


def _schema_mirror(kinds: set[tuple[str, str]], into: Path) -> str | None:
    """A kubeconform schema folder for `kinds` ((apiVersion, kind)), made from the JSON schemas
    the `kubernetes-validate` package ships: nothing is fetched. Its schemas name a remote `$id`
    and refer to `/api/_definitions.json`; the copies drop the id and refer to the file beside
    them, so kubeconform resolves every reference on disk."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    source = source / f"v{KUBERNETES_VERSION}-local-strict"
    folder = into / f"v{KUBERNETES_VERSION}-standalone-strict"
    folder.mkdir(parents=True)
    names = ["_definitions.json"]
    for api_version, kind in kinds:
        group, _, version = api_version.rpartition("/")
        names.append(f"{kind.lower()}{'-' + group.split('.')[0] if group else ''}-{version}.json")
    for name in names:
        schema = json.loads((source / name).read_text())
        schema.pop("$id", None)
        text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
        (folder / name).write_text(text)
    return str(into)


CUSTOM_RESOURCES = ("KafkaTopic", "Cluster")
"""Strimzi's and CloudNativePG's kinds: their operators' schemas are not in the mirror; the tests
above check their fields."""


def test_manifests_validate_against_the_kubernetes_schemas(tmp_path: Path) -> None:
    kubeconform = _kubeconform()
    if not kubeconform:
        pytest.skip(
            "kubeconform not installed: scripts/bootstrap installs it when Go is present "
            f"(go install github.com/yannh/kubeconform/cmd/kubeconform@{KUBECONFORM_VERSION})"
        )
    kinds = {(d["apiVersion"], d["kind"]) for d in _resources() if d["kind"] not in CUSTOM_RESOURCES}
    schemas = os.environ.get("KUBECONFORM_SCHEMA_LOCATION") or _schema_mirror(kinds, tmp_path / "schemas")
    if not schemas:
        pytest.skip(
            "no schema mirror: kubernetes-validate (test extra) not installed, KUBECONFORM_SCHEMA_LOCATION unset"
        )
    files = [
        str(BASE / name) for name in yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"]
    ]
    result = subprocess.run(
        [
            kubeconform,
            "-strict",
            "-summary",
            "-kubernetes-version",
            KUBERNETES_VERSION,
            "-schema-location",
            schemas,
            "-skip",
            ",".join(CUSTOM_RESOURCES),
            *files,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Valid: {len([d for d in _resources() if d['kind'] not in CUSTOM_RESOURCES])}," in result.stdout


def test_the_schema_check_refuses_a_deployment_with_a_mistyped_field(tmp_path: Path) -> None:
    kubeconform = _kubeconform()
    if not kubeconform:
        pytest.skip(
            f"kubeconform not installed (go install github.com/yannh/kubeconform/cmd/kubeconform@{KUBECONFORM_VERSION})"
        )
    schemas = _schema_mirror({("apps/v1", "Deployment")}, tmp_path / "schemas")
    if not schemas:
        pytest.skip("no schema mirror: kubernetes-validate (test extra) not installed")
    deployment = _of("Deployment")["registry"]
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "three", "replica": 3}}
    manifest = tmp_path / "broken.yaml"
    manifest.write_text(yaml.safe_dump(broken))
    result = subprocess.run(
        [
            kubeconform,
            "-strict",
            "-kubernetes-version",
            KUBERNETES_VERSION,
            "-schema-location",
            schemas,
            str(manifest),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "/spec/replicas" in result.stdout and "'replica' not allowed" in result.stdout
